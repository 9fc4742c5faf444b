/**
 * A complete `Deps` for domain tests: in-memory stores, a clock the test moves by hand, a notifier
 * and a logger that record what they were given, and the real local crypto adapters (HMAC keyring,
 * P-256 signer, envelope cipher with a local data-key source) with keys made fresh for each call.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Deps, Settings } from '#shared/deps.ts';
import type { MetricName } from '#shared/metric-names.ts';
import type { CalcomApi, Logger, Metrics, Notifier } from '#shared/ports.ts';
import type { AuditCheckpoint, AuditSeal, Notification } from '#shared/records.ts';
import { buildEnvelopeCipher } from '#shared/adapters/envelope-cipher.ts';
import { localDataKeys } from '#shared/adapters/local/local-data-keys.ts';
import { buildLocalKeyring } from '#shared/adapters/local/local-keyring.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import {
  memoryAlertStore,
  memoryApiKeyStore,
  memoryClauseStore,
  memoryFigures,
  memoryOutbox,
  memoryPracticeStore,
  memoryScreeningLedger,
  memoryTokenIndex,
  type MemoryAlertStore,
  type MemoryFigures,
  type MemoryLedger,
  type MemoryOutbox,
  type MemoryTokenIndex,
  memoryIntegrationStore,
  type MemoryIntegrationStore,
} from './memory-stores.ts';
import { memoryAuditLog, memoryCheckpointStore, type MemoryAuditLog, type MemoryCheckpointStore } from './memory-audit.ts';
import { memoryBookingRegistry, memoryMatchDigests, type MemoryBookingRegistry } from './memory-rescreen.ts';

export const testStart = new Date('2026-11-21T19:04:05Z');

export interface SettableClock {
  (): Date;
  set(instant: Date | string): void;
  advanceDays(days: number): void;
  advanceMs(ms: number): void;
}

export function settableClock(start: Date = testStart): SettableClock {
  let now = start.getTime();
  return Object.assign(() => new Date(now), {
    set(instant: Date | string) {
      now = new Date(instant).getTime();
    },
    advanceDays(days: number) {
      now += days * 86_400_000;
    },
    advanceMs(ms: number) {
      now += ms;
    },
  });
}

export interface RecordingNotifier extends Notifier {
  readonly sent: Notification[];
}

export function recordingNotifier(): RecordingNotifier {
  const sent: Notification[] = [];
  return {
    sent,
    publish: async (notification) => {
      sent.push(notification);
    },
  };
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>[];
}

export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
}

/** Silent: lines are kept for assertions, never printed. */
export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      lines.push({ level, message, extra });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface RecordingCalcomApi extends CalcomApi {
  readonly declined: Parameters<CalcomApi['declineBooking']>[0][];
}

/** Cal.com's API as a list of the declines asked of it; `fail` makes the next calls throw. */
export function recordingCalcomApi(options: { fail?: boolean } = {}): RecordingCalcomApi {
  const declined: Parameters<CalcomApi['declineBooking']>[0][] = [];
  return {
    declined,
    declineBooking: async (request) => {
      declined.push(request);
      if (options.fail) throw Object.assign(new Error('Cal.com answered 500'), { status: 500 });
    },
  };
}

export interface RecordingMetrics extends Metrics {
  readonly counted: MetricName[];
}

/** Keeps each counted metric name, in order. */
export function recordingMetrics(): RecordingMetrics {
  const counted: MetricName[] = [];
  return { counted, count: (name) => void counted.push(name) };
}

export const testSettings: Settings = {
  phoneRegion: 'US',
  alertTtlDays: 730,
  idempotencyTtlHours: 24,
  screening: { perMinute: 1_000, perDay: 100_000 },
  guessBudget: { perDay: 10_000, slowed: { perMinute: 5, perDay: 100 } },
  auditExportPageSize: 1_000,
  reconfirmWindowDays: 60,
  tokenRetentionDays: 30,
  subjectTokenLookupsPerDay: 20,
  matchDigestMinCount: 3,
  statsMinContributors: 5,
};

export interface TestDeps extends Deps {
  readonly clock: SettableClock;
  /** The in-memory stores behind the ports; still reachable when a test wraps `alerts` in an override. */
  readonly memory: {
    readonly alerts: MemoryAlertStore;
    readonly tokenIndex: MemoryTokenIndex;
    readonly audit: MemoryAuditLog;
    readonly ledger: MemoryLedger;
    readonly outbox: MemoryOutbox;
    readonly figures: MemoryFigures;
    readonly seals: AuditSeal[];
    /** Checkpoints written to the seal store (write-once). */
    readonly sealedCheckpoints: AuditCheckpoint[];
    readonly checkpoints: MemoryCheckpointStore;
    readonly integrations: MemoryIntegrationStore;
    readonly bookings: MemoryBookingRegistry;
  };
  /** What was asked of Cal.com's API (unless `calcom` is overridden). */
  readonly calcomCalls: RecordingCalcomApi['declined'];
  /** Where recorded notifications and log lines land (even when `notifier`/`logger` are overridden). */
  readonly sent: RecordingNotifier['sent'];
  readonly logLines: LogLine[];
  /** Metric names counted (even when `metrics` is overridden). */
  readonly counted: MetricName[];
}

/** `overrides` replace ports (a failing notifier, a racing store); the clock is always the settable one. */
export function buildTestDeps(overrides: Partial<Omit<Deps, 'clock'>> = {}): TestDeps {
  const clock = settableClock();
  const notifier = recordingNotifier();
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  const audit = memoryAuditLog();
  const tokenIndex = memoryTokenIndex();
  const figures = memoryFigures();
  const alerts = memoryAlertStore(tokenIndex, clock, audit, figures);
  const ledger = memoryScreeningLedger(audit, figures);
  const outbox = memoryOutbox();
  const seals: AuditSeal[] = [];
  const sealedCheckpoints: AuditCheckpoint[] = [];
  const checkpoints = memoryCheckpointStore();
  const integrations = memoryIntegrationStore(audit);
  const calcom = recordingCalcomApi();
  const bookings = memoryBookingRegistry(audit);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    settings: testSettings,
    logger,
    metrics,
    keyring: buildLocalKeyring(randomBytes(32)),
    signer: buildLocalSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    cipher: buildEnvelopeCipher(localDataKeys(randomBytes(32))),
    notifier,
    outbox,
    practices: memoryPracticeStore(audit),
    apiKeys: memoryApiKeyStore(audit),
    clauses: memoryClauseStore(audit),
    alerts,
    tokenIndex,
    ledger,
    figures,
    audit,
    seals: {
      put: async (seal) => void seals.push(structuredClone(seal)),
      putCheckpoint: async (checkpoint) => void sealedCheckpoints.push(structuredClone(checkpoint)),
    },
    checkpoints,
    integrations,
    calcom,
    bookings,
    matchDigests: memoryMatchDigests(audit),
    ...overrides,
    clock,
    memory: { alerts, tokenIndex, audit, ledger, outbox, figures, seals, sealedCheckpoints, checkpoints, integrations, bookings },
    calcomCalls: calcom.declined,
    sent: notifier.sent,
    logLines: logger.lines,
    counted: metrics.counted,
  };
}
