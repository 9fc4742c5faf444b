import type {
  AlertStore,
  ApiKeyStore,
  AuditAppender,
  AuditReader,
  BookingRegistry,
  CalcomApi,
  CheckpointStore,
  ClauseStore,
  Clock,
  GuessBudget,
  IntegrationStore,
  Keyring,
  Logger,
  MatchDigestStore,
  Metrics,
  NetworkFigures,
  NotificationOutbox,
  Notifier,
  PracticeStore,
  ScreeningLedger,
  ScreeningLimits,
  SealStore,
  Signer,
  TextCipher,
  TokenIndex,
} from './ports.ts';

/** Settings the domain reads; a slice of the config, so domain tests need no environment. */
export interface Settings {
  readonly phoneRegion: string;
  readonly alertTtlDays: number;
  readonly idempotencyTtlHours: number;
  readonly screening: ScreeningLimits;
  /** Bookings per practice per UTC day that may find no strong match before the practice is slowed down. */
  readonly guessBudget: GuessBudget;
  readonly auditExportPageSize: number;
  /** How many days before its expiry a published alert may be re-confirmed. */
  readonly reconfirmWindowDays: number;
  /** How long a rejected or retracted alert keeps its tokens before the sweep removes them. */
  readonly tokenRetentionDays: number;
  /** "Was this person checked" lookups (POST /v1/audit/subject-tokens) per auditor key per UTC day. */
  readonly subjectTokenLookupsPerDay: number;
  /** The fewest matches of an alert on one day that its reporter's digest tells (fewer: nothing is told). */
  readonly matchDigestMinCount: number;
  /** k: a statistic counted from fewer than k practices or k alerts is suppressed (docs/statistics.md). */
  readonly statsMinContributors: number;
}

/** Everything a domain function may use, built once per process by shared/runtime-aws.ts (Lambda) or shared/runtime-local.ts. */
export interface Deps {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly keyring: Keyring;
  readonly signer: Signer;
  readonly cipher: TextCipher;
  readonly notifier: Notifier;
  readonly outbox: NotificationOutbox;
  readonly practices: PracticeStore;
  readonly apiKeys: ApiKeyStore;
  readonly clauses: ClauseStore;
  readonly alerts: AlertStore;
  readonly tokenIndex: TokenIndex;
  readonly ledger: ScreeningLedger;
  readonly figures: NetworkFigures;
  readonly audit: AuditReader & AuditAppender;
  readonly seals: SealStore;
  readonly checkpoints: CheckpointStore;
  readonly integrations: IntegrationStore;
  readonly calcom: CalcomApi;
  readonly bookings: BookingRegistry;
  readonly matchDigests: MatchDigestStore;
}
