/**
 * The domain's view of the outside world: small types that adapters implement (DynamoDB,
 * KMS, SNS in AWS; DynamoDB Local, local keys, a file on a laptop). Domain code depends on
 * these types only, never on an AWS SDK.
 */
import type { AlertRecord, ApiKeyRecord, AuditBatch, AuditEntry, AuditEvent, AuditSeal, ConsentClause, FailedNotification, IdempotencyRecord, IndexedAlert, Notification, Practice } from './records.ts';

export type Clock = () => Date;

/** The slice of the Powertools logger the code uses; never pass it a request body. */
export interface Logger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

// ── Ports ──────────────────────────────────────────────────────────────────

/** Reading the chain (appends happen inside the stores' own writes). */
export interface AuditReader {
  /** The last entry, read consistently. */
  head(): Promise<AuditEntry | undefined>;
  /** The first entry at or after `from` and the last entry before `to` (ISO instants), if any. */
  bounds(from: string, to: string): Promise<{ first: AuditEntry; last: AuditEntry } | undefined>;
  /** Entries firstSeq..lastSeq in order, read page by page. */
  read(firstSeq: number, lastSeq: number, pageSize?: number): AsyncIterable<AuditEntry>;
}

export interface SealStore {
  put(seal: AuditSeal): Promise<void>;
}

/** Appends events that have no other write of their own (an export, a token lookup). */
export interface AuditAppender {
  append(events: readonly AuditEvent[], now: Date): Promise<AuditEntry[]>;
}

/**
 * HMAC-SHA-256 with the network's token key (KMS GenerateMac in AWS). New tokens are made with
 * the current key (`version`); during a rotation's migration window the keys it replaced stay in
 * `previous`, used only to look up alerts tokenised before the rotation.
 */
export interface Keyring {
  readonly version: string;
  mac(message: string): Promise<Uint8Array>;
  readonly previous?: readonly Keyring[] | undefined;
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

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

export interface NotificationOutbox {
  record(failure: FailedNotification): Promise<void>;
  /** Oldest first. */
  list(limit: number): Promise<FailedNotification[]>;
  remove(failure: FailedNotification): Promise<void>;
}

export interface PracticeStore {
  create(practice: Practice, audit: AuditBatch): Promise<void>;
  get(practiceId: string): Promise<Practice | undefined>;
}

export interface ApiKeyStore {
  create(record: ApiKeyRecord, audit: AuditBatch): Promise<void>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Marks the key revoked; false when no such key exists (and then nothing is audited). */
  revoke(keyId: string, at: string, audit: AuditBatch): Promise<boolean>;
}

export interface ClauseStore {
  /** Stores a clause version; throws ConflictError when that version already exists. */
  put(clause: ConsentClause, audit: AuditBatch): Promise<void>;
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
  create(
    alert: AlertRecord,
    idempotency: IdempotencyRecord | undefined,
    audit: AuditBatch,
  ): Promise<{ created: true } | { created: false; existing: IdempotencyRecord }>;
  getIdempotency(practiceId: string, key: string, now: Date): Promise<IdempotencyRecord | undefined>;
  /**
   * Writes a new state of an alert (version = expectedVersion + 1) and its token-index
   * change atomically; throws StaleAlertError when someone else wrote first.
   */
  update(alert: AlertRecord, expectedVersion: number, change: IndexChange, audit: AuditBatch): Promise<void>;
  /** Alerts awaiting review, oldest first, read page by page as the caller iterates. */
  pendingReview(pageSize?: number): AsyncIterable<AlertRecord>;
  /** Alerts stored as published whose expiresAt is at or before `instant`, soonest first. */
  publishedExpiringBy(instant: string, pageSize?: number): AsyncIterable<AlertRecord>;
}

export interface TokenIndex {
  /** The published alerts indexed under each token (expired entries included; callers filter). */
  lookup(tokens: readonly string[]): Promise<Map<string, IndexedAlert[]>>;
}

export interface ScreeningLimits {
  readonly perMinute: number;
  readonly perDay: number;
}

/**
 * The guess budget: bookings a practice may screen per UTC day that find no strong match (a
 * miss, or a name-only `possible`). Spending it tells the security topic and puts the practice
 * on the reduced `slowed` quota for 24 hours.
 */
export interface GuessBudget {
  readonly perDay: number;
  readonly slowed: ScreeningLimits;
}

export interface ScreeningPolicy {
  readonly quota: ScreeningLimits;
  readonly guesses: GuessBudget;
}

/** Bookings counted against a practice's quota before anything about them was computed. */
export interface Reservation {
  readonly practiceId: string;
  readonly bookings: number;
  /** The UTC day (`YYYY-MM-DD`) and minute (`YYYY-MM-DDTHH:MM`) the bookings were counted in. */
  readonly day: string;
  readonly minute: string;
}

export type QuotaOutcome =
  | { readonly ok: true; readonly reservation: Reservation }
  | { readonly ok: false; readonly window: 'minute' | 'day'; readonly retryAfterSeconds: number; readonly slowed: boolean };

export interface Settlement {
  /** Only on the settlement that took the practice's guesses for the day past its budget. */
  readonly budgetSpent?: { readonly slowedUntil: string } | undefined;
}

/**
 * Screening's bookkeeping, in two steps so that a practice over its quota costs nothing: `reserve`
 * counts the bookings (refusing what is over the quota, or over the reduced quota while the
 * practice is slowed) before any token is computed; `settle` writes the check's audit entry and
 * adds its guesses in one transaction. A check that fails in between gives its reservation back
 * with `release`: a refused check is neither counted nor audited, an answered one is both.
 */
export interface ScreeningLedger {
  reserve(practiceId: string, bookings: number, policy: ScreeningPolicy, now: Date): Promise<QuotaOutcome>;
  settle(reservation: Reservation, guesses: number, policy: ScreeningPolicy, audit: AuditBatch): Promise<Settlement>;
  release(reservation: Reservation): Promise<void>;
  /** True for the first refusal of this practice in this window (`minute#…` or `day#…`), false after. */
  claimRefusalNotice(practiceId: string, windowKey: string): Promise<boolean>;
}

export class StaleAlertError extends Error {
  override readonly name = 'StaleAlertError';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} was changed by another request`);
  }
}

