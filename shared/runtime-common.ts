import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from './config.ts';
import type { Deps, Settings } from './deps.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildAlertStore, buildTokenIndex } from './adapters/dynamo/alert-store.ts';
import { buildApiKeyStore, buildClauseStore, buildPracticeStore } from './adapters/dynamo/simple-stores.ts';
import { buildAuditLog } from './adapters/dynamo/audit-log.ts';
import { buildCheckpointStore } from './adapters/dynamo/checkpoint-store.ts';
import { buildNotificationOutbox } from './adapters/dynamo/outbox.ts';
import { buildScreeningLedger } from './adapters/dynamo/screening-ledger.ts';
import { buildNetworkFigures } from './adapters/dynamo/network-figures.ts';
import { buildIntegrationStore } from './adapters/dynamo/integration-store.ts';
import { buildCalcomApi } from './adapters/calcom-api.ts';
import { buildBookingRegistry } from './adapters/dynamo/booking-registry.ts';
import { buildMatchDigestStore } from './adapters/dynamo/match-digests.ts';

/**
 * The wiring both sides share: settings, the logger and the DynamoDB stores. The side-specific
 * adapters (keys, notifier, seals) are in runtime-aws.ts (Lambda) and runtime-local.ts (laptop),
 * so a Lambda bundle never carries the local adapters.
 */
export function settingsFrom(config: Config): Settings {
  return {
    phoneRegion: config.PHONE_DEFAULT_REGION,
    alertTtlDays: config.ALERT_TTL_DAYS,
    idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
    screening: { perMinute: config.CHECKS_PER_MINUTE, perDay: config.CHECKS_PER_DAY },
    guessBudget: { perDay: config.GUESSES_PER_DAY, slowed: { perMinute: config.SLOWED_CHECKS_PER_MINUTE, perDay: config.SLOWED_CHECKS_PER_DAY } },
    auditExportPageSize: config.AUDIT_EXPORT_PAGE_SIZE,
    reconfirmWindowDays: config.RECONFIRM_WINDOW_DAYS,
    tokenRetentionDays: config.TOKEN_RETENTION_DAYS,
    subjectTokenLookupsPerDay: config.SUBJECT_TOKEN_LOOKUPS_PER_DAY,
    matchDigestMinCount: config.MATCH_DIGEST_MIN_COUNT,
    statsMinContributors: config.STATS_MIN_CONTRIBUTORS,
  };
}

export function buildLogger(config: Config): Logger {
  return new Logger({ serviceName: 'peerguard', logLevel: config.LOG_LEVEL });
}

export type CommonDeps = Pick<
  Deps,
  | 'settings'
  | 'clock'
  | 'logger'
  | 'audit'
  | 'checkpoints'
  | 'practices'
  | 'apiKeys'
  | 'clauses'
  | 'alerts'
  | 'tokenIndex'
  | 'ledger'
  | 'outbox'
  | 'figures'
  | 'integrations'
  | 'calcom'
  | 'bookings'
  | 'matchDigests'
>;

/** Settings, clock, logger and the stores over `documents`; `overrides` win over what is built here. */
export function buildCommonDeps(config: Config, documents: DynamoDBDocumentClient, overrides: Partial<Deps>): CommonDeps {
  const audit = buildAuditLog(documents, config.AUDIT_TABLE, { chains: config.AUDIT_CHAINS });
  return {
    settings: settingsFrom(config),
    clock: overrides.clock ?? (() => new Date()),
    logger: overrides.logger ?? buildLogger(config),
    audit,
    checkpoints: buildCheckpointStore(documents, config.AUDIT_TABLE),
    practices: buildPracticeStore(documents, config.MAIN_TABLE, audit),
    apiKeys: buildApiKeyStore(documents, config.API_KEYS_TABLE, audit),
    clauses: buildClauseStore(documents, config.MAIN_TABLE, audit),
    alerts: buildAlertStore(documents, { main: config.MAIN_TABLE, tokens: config.TOKEN_TABLE }, audit),
    tokenIndex: buildTokenIndex(documents, config.TOKEN_TABLE),
    ledger: buildScreeningLedger(documents, config.MAIN_TABLE, audit),
    outbox: buildNotificationOutbox(documents, config.MAIN_TABLE),
    figures: buildNetworkFigures(documents, config.MAIN_TABLE),
    integrations: buildIntegrationStore(documents, config.MAIN_TABLE, audit),
    calcom: buildCalcomApi(),
    bookings: buildBookingRegistry(documents, config.MAIN_TABLE, audit),
    matchDigests: buildMatchDigestStore(documents, config.MAIN_TABLE, audit),
  };
}
