/**
 * The domain's view of the outside world: small types that adapters implement (DynamoDB,
 * KMS, SNS in AWS; DynamoDB Local, local keys, a file on a laptop). Domain code depends on
 * these types only, never on an AWS SDK.
 */
import type { Role } from './routes.ts';
import type { SubjectToken, TokenKind } from './identifiers/tokens.ts';

export type Clock = () => Date;

export interface Principal {
  readonly keyId: string;
  readonly role: Role;
  readonly practiceId?: string | undefined;
}

/** The slice of the Powertools logger the code uses; never pass it a request body. */
export interface Logger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

// ── Records ────────────────────────────────────────────────────────────────

export interface Practice {
  readonly practiceId: string;
  readonly name: string;
  readonly region: string;
  readonly createdAt: string;
}

export interface ApiKeyRecord {
  readonly keyId: string;
  /** Hex SHA-256 of the whole API key; the key itself is never stored. */
  readonly secretSha256: string;
  readonly role: Role;
  readonly practiceId?: string | undefined;
  readonly label: string;
  readonly createdAt: string;
  readonly revokedAt?: string | undefined;
}

export interface ConsentClause {
  readonly clauseId: string;
  readonly version: number;
  readonly sha256: string;
  readonly text: string;
  readonly jurisdiction?: string | undefined;
  readonly publishedAt: string;
}

export const categories = ['sexual_misconduct', 'harassment', 'threat_or_violence', 'boundary_violation', 'other_safety'] as const;
export type Category = (typeof categories)[number];
export const severities = ['low', 'medium', 'high'] as const;
export type Severity = (typeof severities)[number];

export const alertStatuses = ['pending_review', 'published', 'rejected', 'suspended', 'retracted', 'expired'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

export interface IncidentRecord {
  readonly occurredOn: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly actionsTaken?: string | undefined;
  readonly witnesses?: number | undefined;
}

export interface ConsentProof {
  readonly clauseId: string;
  readonly clauseVersion: number;
  readonly clauseSha256: string;
  readonly signedOn: string;
  readonly method: 'e_signature' | 'wet_ink';
  readonly documentSha256: string;
}

export interface Review {
  readonly reviewerKeyId: string;
  readonly reviewerPracticeId: string;
  readonly decision: 'approve' | 'reject';
  readonly reason: string;
  readonly decidedAt: string;
}

export interface HistoryEntry {
  readonly at: string;
  readonly action: 'submitted' | 'approved' | 'rejected' | 'published' | 'retracted';
  readonly status: AlertStatus;
  readonly actorKeyId: string;
  readonly actorRole: Role;
  readonly reason?: string | undefined;
}

export interface SignedStatement {
  readonly contentSha256: string;
  /** Base64 DER ECDSA P-256 / SHA-256 signature over the canonical statement. */
  readonly signature: string;
  readonly keyId: string;
}

export interface Receipt extends SignedStatement {
  readonly alertId: string;
  readonly submittedAt: string;
  readonly practiceId: string;
}

export interface AlertRecord {
  readonly alertId: string;
  readonly practiceId: string;
  readonly status: AlertStatus;
  readonly submittedAt: string;
  readonly publishedAt?: string | undefined;
  readonly expiresAt?: string | undefined;
  readonly tokens: readonly SubjectToken[];
  readonly incident: IncidentRecord;
  /** The incident summary, envelope-encrypted (base64 AWS Encryption SDK message). */
  readonly summaryCiphertext: string;
  readonly consent: ConsentProof;
  readonly receipt: Receipt;
  readonly publication?: SignedStatement | undefined;
  readonly reviews: readonly Review[];
  readonly history: readonly HistoryEntry[];
  /** Optimistic-concurrency counter: every write names the version it read. */
  readonly version: number;
}

/** What a token's index item says about one published alert: enough to answer a check. */
export interface IndexedAlert {
  readonly alertId: string;
  readonly practiceId: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly publishedOn: string;
  readonly expiresAt: string;
}

export interface IdempotencyRecord {
  readonly practiceId: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly alertId: string;
  readonly response: unknown;
  readonly expiresAt: string;
}

// ── Ports ──────────────────────────────────────────────────────────────────

/** HMAC-SHA-256 with the network's token key (KMS GenerateMac in AWS). */
export interface Keyring {
  mac(message: string): Promise<Uint8Array>;
}

/** ECDSA P-256 with SHA-256 over raw bytes (KMS Sign in AWS); DER signatures. */
export interface Signer {
  readonly keyId: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
  publicKeyPem(): Promise<string>;
}

/** Envelope encryption of free text, bound to an encryption context. */
export interface TextCipher {
  encrypt(plaintext: string, context: Record<string, string>): Promise<string>;
  decrypt(ciphertext: string, context: Record<string, string>): Promise<string>;
}

export type NotificationTopic = 'reviewers';

export interface Notification {
  readonly type: 'alert.awaiting_review';
  readonly alertId: string;
  readonly category: Category;
  readonly severity: Severity;
}

export interface Notifier {
  publish(topic: NotificationTopic, notification: Notification): Promise<void>;
}

export interface PracticeStore {
  create(practice: Practice): Promise<void>;
  get(practiceId: string): Promise<Practice | undefined>;
}

export interface ApiKeyStore {
  create(record: ApiKeyRecord): Promise<void>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Marks the key revoked; false when no such key exists. */
  revoke(keyId: string, at: string): Promise<boolean>;
}

export interface ClauseStore {
  /** Stores a clause version; throws ConflictError when that version already exists. */
  put(clause: ConsentClause): Promise<void>;
  get(clauseId: string, version: number): Promise<ConsentClause | undefined>;
  list(): Promise<ConsentClause[]>;
}

/** Token index changes written in the same transaction as an alert. */
export type IndexChange = { readonly publish: IndexedAlert } | { readonly unpublish: true } | undefined;

export interface AlertStore {
  get(alertId: string): Promise<AlertRecord | undefined>;
  /**
   * Creates an alert, together with its idempotency record when given, atomically.
   * Returns the record already stored under that idempotency key if one won the race.
   */
  create(alert: AlertRecord, idempotency?: IdempotencyRecord): Promise<{ created: true } | { created: false; existing: IdempotencyRecord }>;
  getIdempotency(practiceId: string, key: string, now: Date): Promise<IdempotencyRecord | undefined>;
  /**
   * Writes a new state of an alert (version = expectedVersion + 1) and its token-index
   * change atomically; throws StaleAlertError when someone else wrote first.
   */
  update(alert: AlertRecord, expectedVersion: number, change: IndexChange): Promise<void>;
  /** Alerts awaiting review, oldest first, read page by page as the caller iterates. */
  pendingReview(pageSize?: number): AsyncIterable<AlertRecord>;
}

export interface TokenIndex {
  /** The published alerts indexed under each token (expired entries included; callers filter). */
  lookup(tokens: readonly string[]): Promise<Map<string, IndexedAlert[]>>;
}

export class StaleAlertError extends Error {
  override readonly name = 'StaleAlertError';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} was changed by another request`);
  }
}

export type { SubjectToken, TokenKind };
