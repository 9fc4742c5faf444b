import type { AlertStore, ApiKeyStore, AuditAppender, AuditReader, ClauseStore, Clock, Keyring, Logger, NotificationOutbox, Notifier, PracticeStore, GuessBudget, ScreeningLedger, ScreeningLimits, SealStore, Signer, TextCipher, TokenIndex } from './ports.ts';

/** Settings the domain reads; a slice of the config, so domain tests need no environment. */
export interface Settings {
  readonly phoneRegion: string;
  readonly alertTtlDays: number;
  readonly idempotencyTtlHours: number;
  readonly screening: ScreeningLimits;
  /** Bookings per practice per UTC day that may find no strong match before the practice is slowed down. */
  readonly guessBudget: GuessBudget;
  readonly auditExportPageSize: number;
}

/** Everything a domain function may use, built once per process by shared/runtime-aws.ts (Lambda) or shared/runtime-local.ts. */
export interface Deps {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly logger: Logger;
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
  readonly audit: AuditReader & AuditAppender;
  readonly seals: SealStore;
}
