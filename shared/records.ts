/**
 * The domain's records and enumerations: what is stored, signed, audited and sent. Plain data,
 * no behaviour; the ports that read and write them are in ports.ts.
 */
import type { Role } from './routes.ts';
import type { SubjectToken } from './identifiers/tokens.ts';
import type { TokenKind } from './identifiers/token-kinds.ts';

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

/** What anyone but the authorizer may read of a key: never the secret nor its hash. */
export type ApiKeyListing = Omit<ApiKeyRecord, 'secretSha256'>;

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
  /** What the practice did, envelope-encrypted like the summary (free text may name someone). */
  readonly actionsTakenCiphertext?: string | undefined;
  /** Plain text, as alerts stored before free text was encrypted hold it; encrypted at the alert's next write. */
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
  /** The reviewer's reason, envelope-encrypted (free text may name someone). */
  readonly reasonCiphertext?: string | undefined;
  /** Plain text, as alerts stored before free text was encrypted hold it; encrypted at the alert's next write. */
  readonly reason?: string | undefined;
  readonly decidedAt: string;
}

export interface HistoryEntry {
  readonly at: string;
  readonly action: 'submitted' | 'approved' | 'rejected' | 'published' | 'retracted' | 'disputed' | 'reinstated' | 'reconfirmed' | 'expired';
  readonly status: AlertStatus;
  readonly actorKeyId: string;
  /** `system` for the scheduled expiry sweep. */
  readonly actorRole: Role | 'system';
  /** The reason given, envelope-encrypted (free text may name someone). */
  readonly reasonCiphertext?: string | undefined;
  /** Plain text, as alerts stored before free text was encrypted hold it; encrypted at the alert's next write. */
  readonly reason?: string | undefined;
}

/** One reviewer's re-confirmation of a published alert, waiting for a reviewer of a second practice. */
export interface Reconfirmation {
  readonly reviewerKeyId: string;
  readonly reviewerPracticeId: string;
  readonly at: string;
}

export interface SignedStatement {
  readonly contentSha256: string;
  /** Base64 DER ECDSA P-256 / SHA-256 signature over the canonical statement. */
  readonly signature: string;
  readonly keyId: string;
}

/**
 * The submission receipt. Its `contentSha256` is HMAC-SHA-256 of the body's canonical JSON
 * under a random content key only the submitter received (`digest: "hmac-sha256"`,
 * shared/audit/receipt-digest.ts): without that key it reveals nothing about the body.
 */
export interface Receipt extends SignedStatement {
  readonly alertId: string;
  readonly submittedAt: string;
  readonly practiceId: string;
  readonly digest: 'hmac-sha256';
}

/** The receipt as the submitting practice receives it (and nobody else): with its content key. */
export interface IssuedReceipt extends Receipt {
  /** Base64url of the 32-byte key of `contentSha256`; the network keeps it only encrypted, for 24 h of replays. */
  readonly contentKey: string;
}

/**
 * A receipt as an alert holds it. Receipts written before the digest was keyed carried a plain
 * SHA-256 of the body (identifiers included); they are read without it (`contentSha256` absent,
 * no `digest`), and stored so at the alert's next write.
 */
export type StoredReceipt = Omit<Receipt, 'contentSha256' | 'digest'> & {
  readonly contentSha256?: string | undefined;
  readonly digest?: 'hmac-sha256' | undefined;
};

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
  readonly receipt: StoredReceipt;
  readonly publication?: SignedStatement | undefined;
  readonly reviews: readonly Review[];
  /** The first entry and the latest ones (shared/alerts/bounds.ts); the audit log keeps every move. */
  readonly history: readonly HistoryEntry[];
  /** History entries dropped between the first and the kept latest ones. */
  readonly historyTrimmed?: number | undefined;
  /** Re-confirmations of the current period, waiting for a second practice (cleared when the alert is renewed). */
  readonly reconfirmations?: readonly Reconfirmation[] | undefined;
  /** Rejected or retracted: when its tokens are due for removal (the retention grace period after the decision). */
  readonly tokensRemovableAt?: string | undefined;
  /** When the tokens of a rejected or retracted alert were removed (`tokens` is empty from then on). */
  readonly tokensRemovedAt?: string | undefined;
  /** Optimistic-concurrency counter: every write names the version it read. */
  readonly version: number;
}

/** What a token's index item says about one published alert: enough to answer a check. */
/** The fields of an alert a list sorts and filters on (held by the by-kind index). */
export type AlertSummary = Pick<AlertRecord, 'alertId' | 'practiceId' | 'status' | 'submittedAt' | 'expiresAt'>;

export interface IndexedAlert {
  readonly alertId: string;
  readonly practiceId: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly publishedOn: string;
  readonly expiresAt: string;
  /** Whether the alert's subject had a date of birth; absent on entries written before this was recorded. */
  readonly hasDob?: boolean | undefined;
}

export interface IdempotencyRecord {
  readonly practiceId: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly alertId: string;
  /** The first answer, without the receipt's content key. */
  readonly response: unknown;
  /** The receipt's content key, envelope-encrypted, so a replay can hand it back. */
  readonly contentKeyCiphertext?: string | undefined;
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
  'alert.tokens_removed',
  'check.performed',
  'audit.exported',
  'audit.subject_tokens',
  'integration.configured',
  'booking.declined',
  // Re-screening of registered upcoming bookings (shared/domain/bookings.ts, rescreen.ts).
  'booking.registered',
  'booking.cancelled',
  'booking.rescreened',
  // The reporter's opt-in to a daily digest of its alert's matches (shared/domain/match-digest.ts).
  'alert.match_digest_set',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditActor {
  readonly keyId: string;
  /** `system` for the scheduled expiry sweep and for a booking platform's signed webhook (`integration:calcom`). */
  readonly role: Role | 'system';
  readonly practiceId?: string | undefined;
}

/**
 * One screened booking as the audit log keeps it: kinds, token digests (for counsel's metered
 * lookups) and result. A batch booking's `ref` is the caller's own text and is deliberately not kept.
 */
export interface AuditedBooking {
  readonly checkId: string;
  readonly tokenKinds: readonly TokenKind[];
  /**
   * Per token checked, in the order of tokenKinds: SHA-256 of the check id and the token
   * (shared/audit/check-tokens.ts), so entries of one client do not link to each other.
   */
  readonly tokenDigests: readonly string[];
  /** Entries written before the digests held the HMAC tokens themselves. */
  readonly tokens?: readonly string[] | undefined;
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
  /**
   * The chain the entry belongs to (shared/audit/chains.ts), covered by its hash. Absent on the
   * entries of the one chain a log had before it had many (`main`), which stay as they were.
   */
  readonly chain?: string | undefined;
  /** 1, 2, 3, … with no gaps, within its chain. */
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

/** One chain's head as a checkpoint records it: a leaf of the checkpoint's Merkle tree. */
export interface ChainHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

/**
 * A signed checkpoint (shared/audit/checkpoint.ts): the heads of every chain at one moment and
 * the RFC 6962 Merkle tree head over them. Checkpoints are numbered 1, 2, 3, … and each carries
 * the hash of the one before, so a missing checkpoint shows as a gap or a broken link.
 */
export interface AuditCheckpoint {
  readonly type: 'peerguard.audit.checkpoint.v1';
  readonly number: number;
  /** checkpointHash of checkpoint number − 1 (64 zeros for the first). */
  readonly prevHash: string;
  readonly madeAt: string;
  readonly treeSize: number;
  /** Hex Merkle tree head over the heads, sorted by chain. */
  readonly rootHash: string;
  readonly heads: readonly ChainHead[];
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
      readonly topic: 'practices';
      /** A booking that came in through the practice's booking software matched a published alert. */
      readonly type: 'screening.booking_matched';
      readonly practiceId: string;
      readonly source: IntegrationProvider;
      /** The booking platform's own id of the booking (never anything the client typed). */
      readonly bookingUid: string;
      /** The check of the strongest matching attendee. */
      readonly checkId: string;
      readonly confidence: 'strong' | 'possible';
      readonly category: Category;
      readonly severity: Severity;
      readonly bookingAction: BookingAction;
      readonly at: string;
    }
  | {
      readonly topic: 'practices';
      /**
       * A booking the practice registered in advance matches an alert that has just been published
       * or reinstated: its ref (the practice's own), the appointment date, and what a check answers.
       */
      readonly type: 'booking.rescreen_matched';
      readonly practiceId: string;
      readonly ref: string;
      readonly appointmentOn: string;
      /** The re-screen's check id, as the audit log records it. */
      readonly checkId: string;
      readonly confidence: 'strong' | 'possible';
      readonly category: Category;
      readonly severity: Severity;
      readonly at: string;
    }
  | {
      readonly topic: 'practices';
      /** The reporting practice's daily digest: how many bookings its alert matched on one UTC day (never who, never when within it). */
      readonly type: 'alert.match_digest';
      readonly practiceId: string;
      readonly alertId: string;
      readonly day: string;
      readonly matches: number;
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
    }
  | {
      readonly topic: 'security';
      /** An auditor key computed a subject's tokens ("was this person checked"): every lookup is heard. */
      readonly type: 'audit.subject_tokens';
      readonly keyId: string;
      readonly lookupsToday: number;
      readonly limit: number;
      readonly at: string;
    }
  | {
      readonly topic: 'security';
      /** An admin registered a practice (which, with reviewer keys, could take part in publishing). */
      readonly type: 'governance.practice_created';
      readonly practiceId: string;
      readonly byKeyId: string;
      readonly at: string;
    }
  | {
      readonly topic: 'security';
      /** An admin created an API key: who may act, and as which practice. */
      readonly type: 'governance.key_created';
      readonly keyId: string;
      readonly role: Role;
      readonly practiceId?: string | undefined;
      readonly byKeyId: string;
      readonly at: string;
    };

/** What the security topic hears; each one is also kept for the admin's overview. */
export type SecurityNotification = Extract<Notification, { topic: 'security' }>;

/** One UTC day of screening across the network. */
export interface DayFigures {
  readonly day: string;
  readonly checks: number;
  readonly matches: number;
}

// ── Booking-software integrations ──────────────────────────────────────────

export const integrationProviders = ['calcom'] as const;
export type IntegrationProvider = (typeof integrationProviders)[number];

/** What a practice wants done with a booking that matches: tell it (always), and optionally decline it on the platform. */
export const onMatchActions = ['notify', 'decline'] as const;
export type OnMatchAction = (typeof onMatchActions)[number];

/** What was done to the booking on the platform: nothing, declined, or a decline that the platform refused or did not answer. */
export const bookingActions = ['none', 'declined', 'decline_failed'] as const;
export type BookingAction = (typeof bookingActions)[number];

/**
 * A practice's Cal.com integration. The webhook secret and the Cal.com API key are stored only
 * envelope-encrypted (bound to the practice and to what they are); nothing returns them.
 */
export interface CalcomIntegration {
  readonly practiceId: string;
  readonly webhookSecretCiphertext: string;
  readonly apiKeyCiphertext?: string | undefined;
  /** Cal.com API v2 base URL, `https://api.cal.com/v2` unless the practice runs its own Cal.com. */
  readonly apiBaseUrl: string;
  readonly onMatch: OnMatchAction;
  /** What Cal.com tells the client when a booking is declined: neutral, never the reason. */
  readonly declineReason: string;
  readonly configuredAt: string;
  readonly configuredBy: string;
}

/**
 * One booking delivered by a platform's webhook, remembered so a replayed delivery is screened
 * once: keyed on the practice and the SHA-256 of the platform's booking id, holding the answer.
 */
export type DeliveryClaim = { readonly claimed: true } | { readonly claimed: false; readonly response?: unknown };

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

// ── Re-screening registered bookings ───────────────────────────────────────

/**
 * An upcoming booking a practice registered: its own ref, the appointment date, and the tokens a
 * check would look up (never an identifier). Kept until the day after the appointment.
 */
export interface BookingRegistration {
  readonly practiceId: string;
  /** The practice's own booking reference (a booking id, never client details). */
  readonly ref: string;
  readonly appointmentOn: string;
  readonly registeredAt: string;
  /** The check id of the screening made when it was registered. */
  readonly checkId: string;
  /** The first instant it is no longer kept: midnight UTC after the day after the appointment. */
  readonly expiresAt: string;
  readonly tokens: readonly SubjectToken[];
}

/** A published (or reinstated) alert that a registered booking now matches: what a check would answer. */
export interface RescreenMatch {
  /** Kept to tell one alert's match from another's; never shown to the practice. */
  readonly alertId: string;
  readonly checkId: string;
  readonly confidence: 'strong' | 'possible';
  readonly category: Category;
  readonly severity: Severity;
  readonly publishedOn: string;
  readonly matchedAt: string;
}

/** A registration as its practice reads it back: no tokens; the re-screen matches found since. */
export interface RegisteredBookingView {
  readonly ref: string;
  readonly appointmentOn: string;
  readonly registeredAt: string;
  readonly checkId: string;
  readonly matches: readonly Omit<RescreenMatch, 'alertId'>[];
}

/** A reporting practice's opt-in to its alert's daily match digest. */
export interface MatchDigestOptIn {
  readonly alertId: string;
  readonly practiceId: string;
  readonly enabled: boolean;
  readonly changedAt: string;
}
