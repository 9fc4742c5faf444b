import type {
  AlertStore,
  ApiKeyStore,
  AuditAppender,
  AuditArchive,
  AuditReader,
  CalcomApi,
  ClauseStore,
  Clock,
  IntegrationStore,
  Keyring,
  Logger,
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
  /** Name-only checks without a match per practice per hour that raise a possible-enumeration notice. */
  readonly nameOnlyMissesPerHour: number;
  readonly auditExportPageSize: number;
  /** How many days before its expiry a published alert may be re-confirmed. */
  readonly reconfirmWindowDays: number;
  /** How long a rejected or retracted alert keeps its tokens before the sweep removes them. */
  readonly tokenRetentionDays: number;
  /** "Was this person checked" lookups (POST /v1/audit/subject-tokens) per auditor key per UTC day. */
  readonly subjectTokenLookupsPerDay: number;
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
  /** The audit key: export manifests, checkpoints and seals (and every statement signed before statement types). */
  readonly signer: Signer;
  /** The alert key: submission receipts and publications. */
  readonly alertSigner: Signer;
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
  /** The audit table's write-once copy (the stream copier only). */
  readonly archive: AuditArchive;
  readonly integrations: IntegrationStore;
  readonly calcom: CalcomApi;
}
