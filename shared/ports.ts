/**
 * The domain's view of the outside world: small types that adapters implement (DynamoDB,
 * KMS, SNS in AWS; DynamoDB Local, local keys, a file on a laptop). Domain code depends on
 * these types only, never on an AWS SDK.
 */
import type {
  AlertRecord,
  AlertStatus,
  AlertSummary,
  ApiKeyListing,
  ApiKeyRecord,
  AuditBatch,
  AuditCheckpoint,
  AuditEntry,
  AuditEvent,
  AuditSeal,
  BookingRegistration,
  CalcomIntegration,
  ChainHead,
  ConsentClause,
  DayFigures,
  DeliveryClaim,
  FailedNotification,
  IdempotencyRecord,
  IndexedAlert,
  MatchDigestOptIn,
  Notification,
  Practice,
  RescreenMatch,
  SecurityNotification,
} from './records.ts';
import type { Role } from './routes.ts';
import type { MetricName } from './metric-names.ts';
import type { KeyPurpose } from './audit/statement-types.ts';
import type { ScreeningTally } from './stats/counters.ts';
import type { ItemTallies } from './stats/tally.ts';

export type Clock = () => Date;

/** Counts for the operations alarms (CloudWatch metrics in AWS). A name, never a value from a request. */
export interface Metrics {
  count(name: MetricName): void;
}

/** The slice of the Powertools logger the code uses; never pass it a request body. */
export interface Logger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

// ── Ports ──────────────────────────────────────────────────────────────────

/**
 * Reading the chains (appends happen inside the stores' own writes). `chain` defaults to the chain
 * this process appends to now (shared/audit/chains.ts).
 */
export interface AuditReader {
  /** The last entry of the chain, read consistently. */
  head(chain?: string): Promise<AuditEntry | undefined>;
  /** The head of every chain that has an entry, sorted by chain, each read consistently. */
  heads(): Promise<ChainHead[]>;
  /** The first entry at or after `from` and the last entry before `to` (ISO instants) of the chain, if any. */
  bounds(from: string, to: string, chain?: string): Promise<{ first: AuditEntry; last: AuditEntry } | undefined>;
  /** The chain's entries firstSeq..lastSeq in order, read page by page. */
  read(firstSeq: number, lastSeq: number, pageSize?: number, chain?: string): AsyncIterable<AuditEntry>;
}

/** The signed checkpoints, numbered 1, 2, 3, … (kept beside the chains). */
export interface CheckpointStore {
  latest(): Promise<AuditCheckpoint | undefined>;
  /** Writes a checkpoint unless its number is taken; false when another writer took it first. */
  put(checkpoint: AuditCheckpoint): Promise<boolean>;
  /** Checkpoints first..last that exist, in order. */
  list(first: number, last: number): Promise<AuditCheckpoint[]>;
  /** The last checkpoint made before the instant, if any. */
  lastBefore(instant: string): Promise<AuditCheckpoint | undefined>;
}

export interface SealStore {
  put(seal: AuditSeal): Promise<void>;
  /** Writes a checkpoint where nobody can change or delete it (the sweep does, for each one it makes). */
  putCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
}

/**
 * The audit table's write-once copy (S3 Object Lock in compliance mode in AWS, read-only files
 * locally). An object, once written, is never replaced: writing a name that exists answers
 * `exists` and leaves the first one as it was.
 */
export interface AuditArchive {
  put(name: string, body: string): Promise<'written' | 'exists'>;
  /** Whether an object of that name was written (only asked of the copies of tampering changes). */
  has(name: string): Promise<boolean>;
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
  /** Which statement types the key signs (shared/audit/statement-types.ts); unnamed, any. */
  readonly purpose?: KeyPurpose | undefined;
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
  /** Every practice, oldest first. */
  list(): Promise<Practice[]>;
}

export interface ApiKeyStore {
  create(record: ApiKeyRecord, audit: AuditBatch): Promise<void>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Marks the key revoked; false when no such key exists (and then nothing is audited). */
  revoke(keyId: string, at: string, audit: AuditBatch): Promise<boolean>;
  /** Keys (of one practice, when given), oldest first; read from an index that holds no secret hash. */
  list(filter: { practiceId?: string | undefined }): Promise<ApiKeyListing[]>;
  /** One key as `list` shows it. */
  describe(keyId: string, role: Role): Promise<ApiKeyListing | undefined>;
}

export interface ClauseStore {
  /** Stores a clause version; throws ConflictError when that version already exists. */
  put(clause: ConsentClause, audit: AuditBatch): Promise<void>;
  get(clauseId: string, version: number): Promise<ConsentClause | undefined>;
  list(): Promise<ConsentClause[]>;
}

/** Token index changes written in the same transaction as an alert. */
export type IndexChange = { readonly publish: IndexedAlert } | { readonly unpublish: true } | undefined;

/**
 * What an alert write also records, in the same transaction, for the console's read side: the
 * status it leaves (the network's alert counts move from it to the new one) and, for a review
 * decision, who decided (the reviewer's list of decided alerts).
 */
export interface AlertWriteFacts {
  readonly previousStatus: AlertStatus;
  readonly decision?: { readonly reviewerKeyId: string; readonly decidedAt: string } | undefined;
}

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
  update(alert: AlertRecord, expectedVersion: number, change: IndexChange, audit: AuditBatch, facts?: AlertWriteFacts): Promise<void>;
  /** Alerts awaiting review, oldest first, read page by page as the caller iterates. */
  pendingReview(pageSize?: number): AsyncIterable<AlertRecord>;
  /** Alerts stored as published whose expiresAt is at or before `instant`, soonest first. */
  publishedExpiringBy(instant: string, pageSize?: number): AsyncIterable<AlertRecord>;
  /** The list fields of one practice's alerts, or of every alert in the network (any order). */
  summaries(scope: { practiceId?: string | undefined }): Promise<AlertSummary[]>;
  /** These alerts, in the order asked; ids with no alert are left out. */
  getMany(alertIds: readonly string[]): Promise<AlertRecord[]>;
  /** The alerts a reviewer key decided, most recent decision first, at most `limit`. */
  decidedBy(reviewerKeyId: string, limit: number): Promise<AlertRecord[]>;
  /** Rejected or retracted alerts still holding tokens whose tokensRemovableAt is at or before `instant`. */
  tokensRemovableBy(instant: string, pageSize?: number): AsyncIterable<AlertRecord>;
}

export interface TokenIndex {
  /** The published alerts indexed under each token (expired entries included; callers filter). */
  lookup(tokens: readonly string[]): Promise<Map<string, IndexedAlert[]>>;
  /**
   * Deletes the index items of these tokens that no longer hold any alert (an item that gained
   * an alert in the meantime is left alone); returns how many it deleted.
   */
  prune(tokens: readonly string[]): Promise<number>;
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

/**
 * Bookings held against a practice's quota before anything about them was computed: counted at
 * once, or, for a practice far from its limits, to be counted by the settlement itself.
 */
export interface Reservation {
  readonly practiceId: string;
  readonly bookings: number;
  /** Not counted yet: the settlement counts the bookings, under the quota's condition, or refuses them. */
  readonly countAtSettlement?: boolean | undefined;
  /** The UTC day (`YYYY-MM-DD`) and minute (`YYYY-MM-DDTHH:MM`) the bookings were counted in. */
  readonly day: string;
  readonly minute: string;
}

export type QuotaOutcome =
  | { readonly ok: true; readonly reservation: Reservation }
  | { readonly ok: false; readonly window: 'minute' | 'day'; readonly retryAfterSeconds: number; readonly slowed: boolean };

/** What a settled check adds: its bookings answered without a strong match, and its bookings that matched. */
export interface CheckCounts {
  readonly guesses: number;
  readonly matches: number;
  /** Which alerts each matched booking found, by tier: the statistics' match figures (shared/stats/counters.ts). */
  readonly tally?: ScreeningTally | undefined;
}

export interface Settlement {
  /** Only on the settlement that took the practice's guesses for the day past its budget. */
  readonly budgetSpent?: { readonly slowedUntil: string } | undefined;
  /**
   * A reservation to be counted at settlement that no longer fit (other processes used the quota
   * up meanwhile): nothing was counted or audited, and the answer must not be given.
   */
  readonly refused?: Extract<QuotaOutcome, { ok: false }> | undefined;
}

/**
 * Screening's bookkeeping, in two steps so that a practice over its quota costs nothing: `reserve`
 * decides before any token is computed (refusing what is over the quota, or over the reduced quota
 * while the practice is slowed); `settle` writes the check's audit entry and adds its guesses in
 * one transaction. A practice known to be far from its limits is counted by that same transaction
 * (one write per check), under the quota's condition; near them, `reserve` counts at once. A check
 * that fails in between gives its reservation back with `release`: a refused check is neither
 * counted nor audited, an answered one is both.
 */
export interface ScreeningLedger {
  reserve(practiceId: string, bookings: number, policy: ScreeningPolicy, now: Date): Promise<QuotaOutcome>;
  /** Appends the check's audit entry, adds its guesses and counts it (and its `matches`) for the network's day. */
  settle(reservation: Reservation, counts: CheckCounts, policy: ScreeningPolicy, audit: AuditBatch): Promise<Settlement>;
  release(reservation: Reservation): Promise<void>;
  /** True for the first refusal of this practice in this window (`minute#…` or `day#…`), false after. */
  claimRefusalNotice(practiceId: string, windowKey: string): Promise<boolean>;
  /**
   * Counts one "was this person checked" lookup of an auditor key for the UTC day of `audit.now`,
   * in one transaction with the lookup's audit entry, with `perDay` as the write's condition: a
   * refused lookup is neither counted nor audited. Returns the day's count once counted.
   */
  recordLookup(keyId: string, perDay: number, audit: AuditBatch): Promise<LookupOutcome>;
}

/**
 * The network at a glance, from counters kept as it works (alert writes move the status counts and
 * the statistics' alert events, the screening ledger counts checks per day) and the security
 * notices as they were sent (each quota or enumeration notice also counted for the statistics).
 */
export interface NetworkFigures {
  alertsByStatus(): Promise<Record<AlertStatus, number>>;
  /** Checks and matches on each of these UTC days (YYYY-MM-DD), in the order given. */
  checksPerDay(days: readonly string[]): Promise<DayFigures[]>;
  recordNotice(notice: SecurityNotification): Promise<void>;
  /** The latest notices, newest first. */
  latestNotices(limit: number): Promise<SecurityNotification[]>;
  /** The statistics' counters held in these stats items (shared/stats/counters.ts); an item never written is left out. */
  tallies(items: readonly string[]): Promise<Map<string, ItemTallies>>;
}

/** Practices' booking-software integrations and the deliveries their webhooks made. */
export interface IntegrationStore {
  getCalcom(practiceId: string): Promise<CalcomIntegration | undefined>;
  /** Replaces the practice's Cal.com integration, with its audit entry, atomically. */
  putCalcom(integration: CalcomIntegration, audit: AuditBatch): Promise<void>;
  /**
   * Claims a delivery (practice + digest of the platform's booking id) for screening. Not claimed
   * when another delivery of it was answered (`response`, to replay) or is being screened right
   * now (no response; its claim lapses after `leaseSeconds`).
   */
  claimDelivery(practiceId: string, key: string, now: Date, leaseSeconds: number): Promise<DeliveryClaim>;
  /** Stores the answer of a claimed delivery, kept until `expiresAt`. */
  completeDelivery(practiceId: string, key: string, response: unknown, expiresAt: Date): Promise<void>;
  /** Gives a claim up (the screening failed), so the platform's retry is screened. */
  releaseDelivery(practiceId: string, key: string): Promise<void>;
}

/** Cal.com's API, for what Peerguard asks of it on a practice's behalf. */
export interface CalcomApi {
  /** `POST {apiBaseUrl}/bookings/{bookingUid}/decline`; throws when Cal.com refuses or does not answer. */
  declineBooking(request: { readonly apiBaseUrl: string; readonly apiKey: string; readonly bookingUid: string; readonly reason: string }): Promise<void>;
}
export type LookupOutcome = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly retryAfterSeconds: number };

export class StaleAlertError extends Error {
  override readonly name = 'StaleAlertError';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} was changed by another request`);
  }
}

// ── Re-screening and the reporter's digest ─────────────────────────────────

/**
 * Registered upcoming bookings and the token → registration index that lets a publication find
 * the bookings it affects with lookups, not a scan.
 */
export interface BookingRegistry {
  /**
   * Stores a registration (replacing the practice's registration of the same ref, whose index
   * items it no longer needs are removed), with its audit entry in the same transaction.
   */
  register(registration: BookingRegistration, previous: BookingRegistration | undefined, audit: AuditBatch): Promise<void>;
  get(practiceId: string, ref: string): Promise<BookingRegistration | undefined>;
  /** The practice's registrations (ref order), each with the re-screen matches found since it was registered. */
  list(practiceId: string): Promise<{ registration: BookingRegistration; matches: RescreenMatch[] }[]>;
  /** Deletes a registration, its matches and its index items; false when there is none. Audited with the delete. */
  cancel(registration: BookingRegistration, audit: AuditBatch): Promise<void>;
  /** The registrations indexed under any of these tokens (one Query per token), each once; unexpired ones only. */
  findByTokens(tokens: readonly string[], now: Date): Promise<BookingRegistration[]>;
  /** Keeps a re-screen match beside its registration (until the registration's expiry). */
  recordMatch(registration: BookingRegistration, match: RescreenMatch): Promise<void>;
  /** Deletes registrations whose expiresAt is at or before `instant` (what DynamoDB's TTL does in AWS); returns how many. */
  removeExpired(instant: string): Promise<number>;
}

/** The reporter's opt-in and the per-alert, per-day match counters its digest is made from. */
export interface MatchDigestStore {
  setOptIn(optIn: MatchDigestOptIn, audit: AuditBatch): Promise<void>;
  getOptIn(alertId: string): Promise<MatchDigestOptIn | undefined>;
  /** Every alert whose digest is enabled. */
  optedIn(): Promise<MatchDigestOptIn[]>;
  /** Adds one match per occurrence of an alert id to that alert's count for `day`. */
  count(alertIds: readonly string[], day: string): Promise<void>;
  /** The counts of these days (0 for a day without any). */
  counts(alertId: string, days: readonly string[]): Promise<{ day: string; matches: number }[]>;
  /** True the first time for this alert and day (the digest for a day is sent once). */
  claimDigest(alertId: string, day: string): Promise<boolean>;
}
