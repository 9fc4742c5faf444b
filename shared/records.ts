/**
 * The domain's records and enumerations: what is stored, signed, audited and sent. Plain data,
 * no behaviour; the ports that read and write them are in ports.ts.
 */
import type { Role } from './routes.ts';
import type { SubjectToken, TokenKind } from './identifiers/tokens.ts';

export interface Principal {
  readonly keyId: string;
  readonly role: Role;
  readonly practiceId?: string | undefined;
}

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
  readonly action: 'submitted' | 'approved' | 'rejected' | 'published' | 'retracted' | 'disputed' | 'reinstated' | 'reconfirmed' | 'expired';
  readonly status: AlertStatus;
  readonly actorKeyId: string;
  /** `system` for the scheduled expiry sweep. */
  readonly actorRole: Role | 'system';
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
  /** The incident summary, envelope-encrypted (base64, the format in adapters/envelope-cipher.ts). */
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

// ── Audit ──────────────────────────────────────────────────────────────────

export const auditActions = [
  'practice.created',
  'key.created',
  'key.revoked',
  'clause.published',
  'alert.submitted',
  'alert.approved',
  'alert.rejected',
  'alert.published',
  'alert.retracted',
  'alert.disputed',
  'alert.reinstated',
  'alert.reconfirmed',
  'alert.expired',
  'check.performed',
  'audit.exported',
  'audit.subject_tokens',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditActor {
  readonly keyId: string;
  /** `system` for the scheduled expiry sweep. */
  readonly role: Role | 'system';
  readonly practiceId?: string | undefined;
}

/**
 * One screened booking as the audit log keeps it: kinds, tokens (for counsel's lookups) and
 * result. A batch booking's `ref` is the caller's own text and is deliberately not kept.
 */
export interface AuditedBooking {
  readonly checkId: string;
  readonly tokenKinds: readonly TokenKind[];
  /** The HMAC tokens checked, in the order of tokenKinds; never a raw identifier. */
  readonly tokens: readonly string[];
  readonly result: 'match' | 'no_match';
  readonly confidence?: 'strong' | 'possible' | undefined;
}

/** What a domain function asks to be recorded; the chain fields are added when it is appended. */
export interface AuditEvent {
  readonly action: AuditAction;
  readonly actor: AuditActor;
  /** Ids the action is about: alertId, practiceId, keyId, clauseId, clauseVersion, checkId, exportId. */
  readonly targets: Readonly<Record<string, string | number>>;
  /** `success`, or the state the target reached (e.g. the alert's new status). */
  readonly outcome: string;
  /** Screening only: one element per booking checked. */
  readonly bookings?: readonly AuditedBooking[] | undefined;
  /** Small extra facts (counts, ranges, SHA-256 of a free-text reason); never free text itself. */
  readonly detail?: Readonly<Record<string, string | number | boolean>> | undefined;
}

export interface AuditEntry extends AuditEvent {
  /** 1, 2, 3, … with no gaps. */
  readonly seq: number;
  /** ISO instant; never earlier than the previous entry's. */
  readonly at: string;
  /** The previous entry's hash (64 zeros for the first). */
  readonly prevHash: string;
  /** Hex SHA-256 of the canonical JSON of every other field. */
  readonly hash: string;
}

/**
 * A signed statement of the chain's head at a moment, written where nobody (operators included)
 * can change or delete it: S3 Object Lock in compliance mode in AWS, a read-only file locally.
 * An export whose entry at `seq` has this `hash` agrees with every seal before it.
 */
export interface AuditSeal {
  readonly type: 'peerguard.audit.seal.v1';
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly sealedAt: string;
  readonly keyId: string;
  readonly signature: string;
}

export const notificationTopics = ['reviewers', 'practices', 'security'] as const;
export type NotificationTopic = (typeof notificationTopics)[number];

/**
 * What subscribers hear. Ids, categories, severities, counts and instants only: never an
 * identifier, a token or incident text. Practices' messages carry the practice id as an SNS
 * message attribute, so each practice's subscription filter lets through only its own.
 */
export type Notification =
  | {
      readonly topic: 'reviewers';
      readonly type: 'alert.awaiting_review';
      readonly alertId: string;
      readonly category: Category;
      readonly severity: Severity;
    }
  | {
      readonly topic: 'practices';
      readonly type: 'alert.published' | 'alert.rejected' | 'alert.disputed' | 'alert.reinstated' | 'alert.expired';
      readonly practiceId: string;
      readonly alertId: string;
      readonly category: Category;
      readonly severity: Severity;
      readonly at: string;
    }
  | {
      readonly topic: 'security';
      readonly type: 'screening.quota_exceeded';
      readonly practiceId: string;
      readonly window: 'minute' | 'day';
      readonly limit: number;
      readonly at: string;
    }
  | {
      readonly topic: 'security';
      readonly type: 'screening.possible_enumeration';
      readonly practiceId: string;
      /** The guess budget it went past: bookings per UTC day that found no strong match. */
      readonly budget: number;
      readonly day: string;
      /** Until when the practice screens on the reduced quota. */
      readonly slowedUntil: string;
      readonly at: string;
    };

/** Notifications that could not be sent after retries, kept for redelivery (never dropped silently). */
export interface FailedNotification {
  readonly failureId: string;
  readonly failedAt: string;
  readonly attempts: number;
  readonly notification: Notification;
}

/**
 * The audit entries a write appends, in the same transaction as the write itself: an action
 * that succeeded always has its entries, one that failed has none.
 */
export interface AuditBatch {
  readonly events: readonly AuditEvent[];
  readonly now: Date;
}

export type { SubjectToken, TokenKind };
