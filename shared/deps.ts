import type {
  AlertStore, ApiKeyStore, ClauseStore, Clock, Keyring, Logger, Notifier, PracticeStore, Signer, TextCipher, TokenIndex,
} from './ports.ts';

/** Settings the domain reads; a slice of the config, so domain tests need no environment. */
export interface Settings {
  readonly phoneRegion: string;
  readonly alertTtlDays: number;
  readonly idempotencyTtlHours: number;
}

/** Everything a domain function may use, built once per process by shared/runtime.ts. */
export interface Deps {
  readonly settings: Settings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keyring: Keyring;
  readonly signer: Signer;
  readonly cipher: TextCipher;
  readonly notifier: Notifier;
  readonly practices: PracticeStore;
  readonly apiKeys: ApiKeyStore;
  readonly clauses: ClauseStore;
  readonly alerts: AlertStore;
  readonly tokenIndex: TokenIndex;
}
