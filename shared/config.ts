import { z } from 'zod';

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
});

const awsSchema = z.object({
  PEERGUARD_RUNTIME: z.literal('aws'),
  ...common,
  HMAC_KEY_ID: z.string().min(1),
  SIGNING_KEY_ID: z.string().min(1),
  /** A full key ARN: the Encryption SDK compares it with the key id stored in each ciphertext. */
  DATA_KEY_ID: z.string().startsWith('arn:', 'must be the full ARN of the KMS key'),
  REVIEWERS_TOPIC_ARN: z.string().min(1),
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
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`Invalid configuration: ${detail}`);
  }
  return parsed.data;
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}
