import * as z from 'zod';
import { isId } from '#shared/ids.ts';
import { functionNames, type FunctionName } from './grants.ts';

/**
 * Per-stage settings of the CDK app, read from CDK context (`cdk.json` → `peerguard:stages`)
 * and validated by this one schema before any construct is created. The stage is chosen with
 * `--context stage=<name>` (default `dev`).
 */
export const stagesContextKey = 'peerguard:stages';
export const stageContextKey = 'stage';

/** The retention periods CloudWatch Logs accepts (days). */
export const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const retention = z
  .number()
  .int()
  .refine((days) => (logRetentionDays as readonly number[]).includes(days), {
    message: `must be one of the CloudWatch Logs retention periods: ${logRetentionDays.join(', ')}`,
  });
const count = (max: number) => z.number().int().min(1).max(max);
const percent = z.number().gt(0).max(100);
const email = z.email();
/** AWS WAF rate-based rules count from 10 requests per window upwards. */
const wafLimit = z.number().int().min(10).max(2_000_000_000);

/** Up to 18 characters (it is part of the seal bucket's name); no double or trailing dash. */
export const stageNamePattern = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,17}$/;

/** A token key's version label as the functions read it (`HMAC_KEY_VERSION`): `k` and a number, no leading zero. */
export const hmacKeyVersionPattern = /^k(?:0|[1-9][0-9]{0,3})$/;
/**
 * At most this many HMAC keys at once: the current one and the ones it replaced that still have
 * live alerts. Every check computes one MAC per token kind per listed key.
 */
export const maxHmacKeyVersions = 3;

const hmacKeyVersions = z
  .array(z.string().regex(hmacKeyVersionPattern, 'a key version label such as k2 (k and a number without a leading zero)'))
  .min(1, 'list at least the current key version, e.g. ["k1"]')
  .max(maxHmacKeyVersions, `at most ${maxHmacKeyVersions} key versions: retire a replaced key once no live alert depends on it (docs/runbook.md)`)
  .superRefine((versions, ctx) => {
    const numbers = versions.map((v) => Number(v.slice(1)));
    for (let i = 1; i < numbers.length; i++) {
      if (!(numbers[i]! > numbers[i - 1]!)) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${versions[i]} after ${versions[i - 1]}: list each version once, oldest first (the last one is the current key)`,
        });
      }
    }
  });

export const stageConfigSchema = z
  .object({
    /** Pin the stacks to an account and region; left out, they are environment-agnostic. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
      .optional(),
    /** Lambda log groups. */
    logRetentionDays: retention,
    /** The HTTP API's access log group. */
    accessLogRetentionDays: retention,
    /** Object Lock (COMPLIANCE) default retention of each audit seal. Cannot be shortened once written. */
    sealRetentionDays: z.number().int().min(1).max(36_500),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    alertTtlDays: z.number().int().min(1).max(3650),
    /** k of the network statistics: a figure behind fewer than k practices or alerts is suppressed (docs/statistics.md). */
    statsMinContributors: z.number().int().min(2).max(1000).default(5),
    phoneDefaultRegion: z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO 3166 region code such as US'),
    /**
     * The HMAC (token) keys, oldest first: the last is the current key (new tokens), the others
     * are kept only so alerts tokenised with them keep matching. See docs/runbook.md,
     * "Rotating the HMAC (token) key".
     */
    hmacKeyVersions,
    /** Stage-wide throttling of the HTTP API ($default stage, every route). */
    api: z
      .object({
        rateLimit: count(10_000),
        burstLimit: count(5_000),
      })
      .strict(),
    /**
     * Reserved concurrency of each function: at most this many instances run at once, and they
     * are kept for it. `default` applies to every function not named in `functions`. The account
     * must keep at least 100 unreserved (docs/runbook.md, "Limits").
     */
    reservedConcurrency: z
      .object({
        default: count(1000),
        functions: z.partialRecord(z.enum(functionNames as readonly [FunctionName, ...FunctionName[]]), count(1000)).default({}),
      })
      .strict(),
    /**
     * What AWS WAF allows one client at the CloudFront edge (in front of the API and the
     * console) before answering 429. An HTTP API cannot take a web ACL itself.
     */
    edge: z
      .object({
        /** Requests to /v1/ carrying one Authorization header (one API key), per minute. */
        apiRequestsPerKeyPerMinute: wafLimit,
        /** Requests to /v1/ from one IP address, per 5 minutes (also covers requests without a key). */
        apiRequestsPerIpPer5Minutes: wafLimit,
        /** Every request (console, /docs and API) from one IP address, per 5 minutes. */
        requestsPerIpPer5Minutes: wafLimit,
        /** ISO 3166 countries the site answers; empty for everywhere. */
        allowedCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO 3166 country code such as US')).default([]),
        /** Optional: the site's own host name, with an ACM certificate for it in us-east-1 (then TLS 1.2 at least). */
        domainName: z
          .string()
          .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case host name such as console.example.org')
          .optional(),
        certificateArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/,
            'an ACM certificate ARN in us-east-1 (CloudFront takes certificates only from there)',
          )
          .optional(),
      })
      .strict()
      .refine((edge) => (edge.domainName === undefined) === (edge.certificateArn === undefined), {
        message: 'set domainName and certificateArn together (or neither)',
      }),
    /** Screening quotas per practice; same bounds as shared/config.ts. */
    quotas: z
      .object({
        checksPerMinute: count(100_000),
        checksPerDay: count(10_000_000),
        guessesPerDay: count(10_000_000),
        slowedChecksPerMinute: count(100_000),
        slowedChecksPerDay: count(10_000_000),
      })
      .strict(),
    /** Alarm thresholds; counts are per 5-minute period unless named otherwise. */
    alarms: z
      .object({
        api5xxPercent: percent,
        lambdaErrors: count(100_000),
        lambdaThrottles: count(100_000),
        dynamoThrottles: count(100_000),
        kmsThrottles: count(100_000),
        kmsQuotaPercent: percent,
        notificationFailures: count(100_000),
        deadLetterMessages: count(100_000),
        authDenials: count(1_000_000),
      })
      .strict(),
    /** Subscriptions kept in the template (others can be added with the AWS CLI, see docs/runbook.md). */
    subscriptions: z
      .object({
        reviewerEmails: z.array(email).default([]),
        securityEmails: z.array(email).default([]),
        operationsEmails: z.array(email).default([]),
        practiceEndpoints: z
          .array(
            z
              .object({
                practiceId: z.string().refine((id) => isId(id, 'prc'), 'a practice id as the API hands it out (prc_ and 26 characters)'),
                url: z.url({ protocol: /^https$/, error: 'an https:// URL' }),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ reviewerEmails: [], securityEmails: [], operationsEmails: [], practiceEndpoints: [] }),
  })
  .strict()
  .refine((c) => c.quotas.checksPerDay >= c.quotas.checksPerMinute, {
    path: ['quotas', 'checksPerDay'],
    message: 'must be at least checksPerMinute',
  })
  .refine((c) => c.edge.apiRequestsPerIpPer5Minutes <= c.edge.requestsPerIpPer5Minutes, {
    path: ['edge', 'apiRequestsPerIpPer5Minutes'],
    message: 'must be at most requestsPerIpPer5Minutes (every API request is also a request)',
  });

/** The reserved concurrency a stage gives one function. */
export const reservedConcurrencyOf = (config: StageConfig, name: FunctionName): number =>
  config.reservedConcurrency.functions[name] ?? config.reservedConcurrency.default;

export type StageConfig = z.infer<typeof stageConfigSchema>;

export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

/** Picks and validates one stage's settings; throws one error naming every bad value. */
export function parseStageConfig(stage: string, stages: unknown): StageConfig {
  if (!stageNamePattern.test(stage)) {
    throw new StageConfigError(`Invalid stage "${stage}": up to 18 lower-case letters, digits and single dashes, starting with a letter`);
  }
  if (typeof stages !== 'object' || stages === null || Array.isArray(stages)) {
    throw new StageConfigError(`CDK context "${stagesContextKey}" must be an object of stage settings (see cdk.json)`);
  }
  const raw = (stages as Record<string, unknown>)[stage];
  if (raw === undefined) {
    throw new StageConfigError(`Invalid stage "${stage}": no settings under "${stagesContextKey}" (known: ${Object.keys(stages).join(', ') || 'none'})`);
  }
  const parsed = stageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${[stage, ...issue.path].join('.')}: ${issue.message}`).join('; ');
    throw new StageConfigError(`Invalid stage settings: ${detail}`);
  }
  return parsed.data;
}
