import * as z from 'zod';
import { maxChains } from './audit/chains.ts';

/**
 * The one configuration schema, read once at start-up from the environment.
 * `PEERGUARD_RUNTIME=local` is the laptop (DynamoDB Local, local keys, file notifier);
 * `aws` is Lambda (KMS, SNS, DynamoDB), where the CDK stack sets every variable.
 */
const common = {
  PHONE_DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a two-letter ISO 3166 region code such as US')
    .default('US'),
  ALERT_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(730),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().int().min(1).max(168).default(24),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  API_KEYS_TABLE: z.string().min(1).default('peerguard-api-keys'),
  MAIN_TABLE: z.string().min(1).default('peerguard-main'),
  TOKEN_TABLE: z.string().min(1).default('peerguard-token-index'),
  AUDIT_TABLE: z.string().min(1).default('peerguard-audit'),
  /** Screening quota per practice, counted per booking (a batch of 100 counts 100). */
  CHECKS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  CHECKS_PER_DAY: z.coerce.number().int().min(1).max(10_000_000).default(5_000),
  /**
   * The guess budget: bookings per practice per UTC day answered without a strong match. Spending
   * it tells the security topic and slows the practice to the SLOWED_* quota for 24 hours.
   */
  GUESSES_PER_DAY: z.coerce.number().int().min(1).max(10_000_000).default(300),
  SLOWED_CHECKS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(5),
  SLOWED_CHECKS_PER_DAY: z.coerce.number().int().min(1).max(10_000_000).default(100),
  /**
   * How many independent audit chains writers spread over (docs/audit.md §1). It may grow, never
   * shrink: the chains beyond a lowered count would drop out of checkpoints.
   */
  AUDIT_CHAINS: z.coerce.number().int().min(1).max(maxChains).default(256),
  /** Audit entries per export page (one response). */
  AUDIT_EXPORT_PAGE_SIZE: z.coerce.number().int().min(10).max(20_000).default(5_000),
  /** How many days before its expiry a published alert may be re-confirmed. */
  RECONFIRM_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(60),
  /** How long a rejected or retracted alert keeps its tokens before the sweep removes them. */
  TOKEN_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** "Was this person checked" lookups (POST /v1/audit/subject-tokens) per auditor key per UTC day. */
  SUBJECT_TOKEN_LOOKUPS_PER_DAY: z.coerce.number().int().min(1).max(10_000).default(20),
  /** The fewest matches of an alert on one UTC day its reporter's digest tells; fewer tell nothing. */
  MATCH_DIGEST_MIN_COUNT: z.coerce.number().int().min(2).max(1_000).default(3),
  /** k of the statistics: a figure counted from fewer than k practices or k alerts is suppressed (docs/statistics.md). */
  STATS_MIN_CONTRIBUTORS: z.coerce.number().int().min(2).max(1000).default(5),
};

const localSchema = z.object({
  PEERGUARD_RUNTIME: z.literal('local'),
  ...common,
  DATA_DIR: z.string().min(1).default('.data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** An already-running DynamoDB (Local) to use instead of starting the embedded one. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Interface the local server listens on (loopback by default). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of the embedded DynamoDB Local; 0 picks a free one. */
  DYNAMODB_LOCAL_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** How often the local server runs the expiry sweep (AWS runs it on a schedule). */
  EXPIRY_SWEEP_MINUTES: z.coerce.number().min(0.01).max(1440).default(60),
  /** When the local server sends the reporters' daily match digests (UTC hour; AWS runs them on a schedule). */
  MATCH_DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(6),
  /** How long the local server remembers a valid key's authorizer answer (API Gateway's cache is 60 s); 0 for never. */
  AUTHORIZER_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
});

const awsSchema = z.object({
  PEERGUARD_RUNTIME: z.literal('aws'),
  ...common,
  HMAC_KEY_ID: z.string().min(1),
  /** The label new tokens record for HMAC_KEY_ID; a rotation moves to a new label (k1 → k2 …). */
  HMAC_KEY_VERSION: z
    .string()
    .regex(/^k[0-9]{1,4}$/, 'a key version label such as k2')
    .default('k1'),
  /**
   * The keys a rotation replaced, still needed to look up alerts tokenised with them:
   * `k1=<key id>,k0=<key id>` (newest first). Empty outside a migration window.
   */
  HMAC_PREVIOUS_KEYS: z
    .string()
    .regex(/^(k[0-9]{1,4}=[^,=\s]+)(,k[0-9]{1,4}=[^,=\s]+)*$/, 'a list like k1=<key id>,k0=<key id>')
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const [version, keyId] = pair.split('=') as [string, string];
          return { version, keyId };
        }),
    ),
  SIGNING_KEY_ID: z.string().min(1),
  /** A full key ARN: the summaries' data keys are generated under it and KMS Decrypt is pinned to it. */
  DATA_KEY_ID: z.string().startsWith('arn:', 'must be the full ARN of the KMS key'),
  REVIEWERS_TOPIC_ARN: z.string().min(1),
  PRACTICES_TOPIC_ARN: z.string().min(1),
  SECURITY_TOPIC_ARN: z.string().min(1),
  /** The Object Lock bucket the sweep seals the audit chain's head into (the sweeper function only). */
  SEAL_BUCKET: z.string().min(3).optional(),
});

export const configSchema = z.discriminatedUnion('PEERGUARD_RUNTIME', [localSchema, awsSchema]);

export type Config = z.infer<typeof configSchema>;
export type LocalConfig = z.infer<typeof localSchema>;
export type AwsConfig = z.infer<typeof awsSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the environment; throws one error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = { PEERGUARD_RUNTIME: 'aws', ...stripEmpty(env) };
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${detail}`);
  }
  return parsed.data;
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}
