import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DecryptCommand,
  DisabledException,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  KMSInvalidStateException,
  SignCommand,
} from '@aws-sdk/client-kms';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createAdminHandler } from '#functions/admin.ts';
import { createAlertsHandler } from '#functions/alerts.ts';
import { createAuditHandler } from '#functions/audit.ts';
import { createChecksHandler } from '#functions/checks.ts';
import { createClausesHandler } from '#functions/clauses.ts';
import { createReviewsHandler } from '#functions/reviews.ts';
import type { HttpEvent, HttpResult } from '#functions/http/group-handler.ts';
import { loadConfig, type AwsConfig } from '#shared/config.ts';
import type { Deps } from '#shared/deps.ts';
import { buildDeps } from '#shared/runtime.ts';
import type { AuditEntry } from '#shared/records.ts';
import { recordingLogger, settableClock, testStart, type RecordingLogger } from '../fakes/deps.ts';
import { unmodeledKmsError } from '../adapter/support.ts';
import { intactChain } from '../support/audit-chain.ts';
import { alertBody } from '../support/story.ts';
import { expectWholeAlerts, storedAlerts, storedState, type StoredState, type TableNames } from '../support/stored-state.ts';
import { freshLocalConfig } from '../support/tables.ts';

/**
 * The fault matrix of issue 6: the AWS-side wiring (buildDeps with an aws config) with its real
 * DynamoDB adapters over DynamoDB Local, KMS and SNS behind aws-sdk-client-mock, driven through
 * the Lambda group handlers. Each fault is injected at the SDK seam (a rejected send), and each
 * case checks the answer (503 + Retry-After problem+json, or the documented answer), that the
 * database is exactly as it was (no half-written alert, no audit entry), and that the same
 * request succeeds once the fault clears.
 */

const endpoint = inject('dynamoEndpoint');
// The aws wiring builds its DynamoDB client without an endpoint; the SDK reads this one.
process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
process.env.AWS_REGION = 'eu-west-2';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';

const dataKeyArn = 'arn:aws:kms:eu-west-2:111122223333:key/data-key';
const canary = { fullName: 'Canary Q. Faultline', phone: (n: number) => `+1 860 555 ${String(100 + n).padStart(4, '0')}` };

// Stand-ins for the KMS keys: the mock computes exactly what KMS would (HMAC, ECDSA DER, data keys).
const hmacKey = randomBytes(32);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const wrapped = Buffer.from('fake-kms-wrapped:');

const kms = mockClient(KMSClient);
const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);

function healthyKms(): void {
  kms.reset();
  kms.on(GenerateMacCommand).callsFake((input: { KeyId: string; Message: Uint8Array }) => ({
    Mac: createHmac('sha256', hmacKey).update(input.Message).digest(),
    KeyId: input.KeyId,
    MacAlgorithm: 'HMAC_SHA_256',
  }));
  kms
    .on(SignCommand)
    .callsFake((input: { KeyId: string; Message: Uint8Array }) => ({ Signature: sign('sha256', input.Message, privateKey), KeyId: input.KeyId }));
  kms.on(GetPublicKeyCommand).resolves({ PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) });
  kms.on(GenerateDataKeyCommand).callsFake(() => {
    const key = randomBytes(32);
    return { KeyId: dataKeyArn, Plaintext: new Uint8Array(key), CiphertextBlob: new Uint8Array(Buffer.concat([wrapped, key])) };
  });
  kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array }) => ({
    KeyId: dataKeyArn,
    Plaintext: new Uint8Array(Buffer.from(input.CiphertextBlob).subarray(wrapped.length)),
  }));
}
const healthySns = () => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
};
const healthyDynamo = () => {
  ddb.reset();
  ddb.send.callThrough();
};
const healAll = () => {
  healthyKms();
  healthySns();
  healthyDynamo();
};

let deps: Deps;
let logger: RecordingLogger;
let dataDir: string;
let tables: TableNames;
let handlers: ReturnType<typeof buildHandlers>;
const clock = settableClock(testStart);

function buildHandlers(source: Deps) {
  return {
    admin: createAdminHandler(source),
    clauses: createClausesHandler(source),
    alerts: createAlertsHandler(source),
    reviews: createReviewsHandler(source),
    checks: createChecksHandler(source),
    audit: createAuditHandler(source),
  };
}

type Who = { keyId: string; role: 'admin' | 'practice' | 'reviewer' | 'auditor'; practiceId?: string };
let requestCount = 0;

/** An API Gateway v2 event as the Lambda gets it, the authorizer having accepted `who`. */
async function invoke(
  handler: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  routeKey: string,
  who: Who,
  options: { body?: unknown; params?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string>; body: any; text: string }> {
  requestCount += 1;
  const requestId = `req-${requestCount}`;
  const event = {
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1],
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    pathParameters: options.params,
    queryStringParameters: options.query,
    isBase64Encoded: false,
    requestContext: {
      requestId,
      routeKey,
      http: { method: routeKey.split(' ')[0], path: routeKey.split(' ')[1] },
      authorizer: { lambda: { authenticated: 'true', keyId: who.keyId, role: who.role, practiceId: who.practiceId ?? '' } },
    },
  } as unknown as HttpEvent;
  const result = await handler(event, {} as Context);
  const text = result.body ?? '';
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // a CSV or JSONL export body stays text
  }
  return { status: result.statusCode ?? 200, headers: (result.headers ?? {}) as Record<string, string>, body, text };
}

const admin: Who = { keyId: 'key_admin', role: 'admin' };
const auditor: Who = { keyId: 'key_counsel', role: 'auditor' };
let who: { harbourDesk: Who; valleyDesk: Who; elmReviewer: Who; valleyReviewer: Who };
let clause: { clauseId: string; version: number; sha256: string };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-faults-'));
  const local = await freshLocalConfig(dataDir);
  tables = { main: local.MAIN_TABLE, tokens: local.TOKEN_TABLE, audit: local.AUDIT_TABLE, keys: local.API_KEYS_TABLE };
  const config = loadConfig({
    PEERGUARD_RUNTIME: 'aws',
    MAIN_TABLE: tables.main,
    TOKEN_TABLE: tables.tokens,
    AUDIT_TABLE: tables.audit,
    API_KEYS_TABLE: tables.keys,
    HMAC_KEY_ID: 'arn:aws:kms:eu-west-2:111122223333:key/hmac-key',
    SIGNING_KEY_ID: 'arn:aws:kms:eu-west-2:111122223333:key/signing-key',
    DATA_KEY_ID: dataKeyArn,
    REVIEWERS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:111122223333:reviewers',
    PRACTICES_TOPIC_ARN: 'arn:aws:sns:eu-west-2:111122223333:practices',
    SECURITY_TOPIC_ARN: 'arn:aws:sns:eu-west-2:111122223333:security',
    CHECKS_PER_MINUTE: '100000',
    CHECKS_PER_DAY: '1000000',
    LOG_LEVEL: 'ERROR',
  }) as AwsConfig;
  logger = recordingLogger();
  healAll();
  deps = buildDeps(config, { clock, logger });
  handlers = buildHandlers(deps);

  const practice = async (name: string) => {
    const answer = await invoke(handlers.admin, 'POST /v1/practices', admin, { body: { name, region: 'CT' } });
    expect(answer.status).toBe(201);
    return answer.body.practiceId as string;
  };
  const [harbour, elm, valley] = [await practice('Harbour Massage'), await practice('Elm Street Bodywork'), await practice('Valley Therapy')];
  who = {
    harbourDesk: { keyId: 'key_harbour_desk', role: 'practice', practiceId: harbour },
    valleyDesk: { keyId: 'key_valley_desk', role: 'practice', practiceId: valley },
    elmReviewer: { keyId: 'key_elm_reviewer', role: 'reviewer', practiceId: elm },
    valleyReviewer: { keyId: 'key_valley_reviewer', role: 'reviewer', practiceId: valley },
  };
  const published = await invoke(handlers.clauses, 'POST /v1/consent-clauses', admin, {
    body: { text: 'I authorise this practice to tell other participating professionals whether it would work with me again.', jurisdiction: 'US-CT' },
  });
  expect(published.status).toBe(201);
  clause = published.body;
});

afterAll(() => {
  kms.restore();
  sns.restore();
  ddb.restore();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  healAll();
  clock.advanceMs(1_000);
});

let subjects = 0;
/** A subject no other case uses, so cases never match each other's alerts. */
const freshSubject = () => {
  subjects += 1;
  return { fullName: `${canary.fullName} ${subjects}`, phone: canary.phone(subjects) };
};

type Answer = Awaited<ReturnType<typeof invoke>>;

/** One operation of the matrix: prepared while everything is healthy, then sent (again and again) as is. */
interface Operation {
  readonly expected: number;
  send(): Promise<Answer>;
  /** What must hold once it succeeded (beyond the status). */
  after?(answer: Answer): Promise<void>;
}

async function submitted(subject = freshSubject()): Promise<string> {
  const answer = await invoke(handlers.alerts, 'POST /v1/alerts', who.harbourDesk, { body: alertBody(clause, subject) });
  expect(answer.status).toBe(201);
  return answer.body.alertId as string;
}

async function approvedOnce(subject = freshSubject()): Promise<string> {
  const alertId = await submitted(subject);
  const first = await invoke(handlers.reviews, 'POST /v1/alerts/{alertId}/reviews', who.elmReviewer, {
    params: { alertId },
    body: { decision: 'approve', reason: 'Specific, consent in order.' },
  });
  expect(first.body.status).toBe('pending_review');
  return alertId;
}

const operations: Record<string, () => Promise<Operation>> = {
  submission: async () => {
    const subject = freshSubject();
    return {
      expected: 201,
      send: () => invoke(handlers.alerts, 'POST /v1/alerts', who.harbourDesk, { body: alertBody(clause, subject) }),
      after: async (answer) => expect(answer.body).toMatchObject({ status: 'pending_review', receipt: { signature: expect.any(String) } }),
    };
  },
  publication: async () => {
    const subject = freshSubject();
    const alertId = await approvedOnce(subject);
    return {
      expected: 200,
      send: () =>
        invoke(handlers.reviews, 'POST /v1/alerts/{alertId}/reviews', who.valleyReviewer, {
          params: { alertId },
          body: { decision: 'approve', reason: 'Agree.' },
        }),
      after: async (answer) => {
        expect(answer.body.status).toBe('published');
        // It matches from that moment.
        const check = await invoke(handlers.checks, 'POST /v1/checks', who.valleyDesk, { body: { subject: { phone: subject.phone } } });
        expect(check.body).toMatchObject({ result: 'match', confidence: 'strong' });
      },
    };
  },
  check: async () => {
    const subject = freshSubject();
    return {
      expected: 200,
      send: () => invoke(handlers.checks, 'POST /v1/checks', who.valleyDesk, { body: { subject: { phone: subject.phone } } }),
      after: async (answer) => expect(answer.body).toMatchObject({ result: 'no_match', checkId: expect.any(String) }),
    };
  },
  'batch check': async () => {
    const [one, two] = [freshSubject(), freshSubject()];
    return {
      expected: 200,
      send: () =>
        invoke(handlers.checks, 'POST /v1/checks/batch', who.valleyDesk, {
          body: {
            bookings: [
              { ref: 'bk-1', subject: { phone: one.phone } },
              { ref: 'bk-2', subject: { email: `${two.phone.replace(/\D/g, '')}@example.org` } },
            ],
          },
        }),
      after: async (answer) => expect(answer.body.results.map((result: { ref: string }) => result.ref)).toEqual(['bk-1', 'bk-2']),
    };
  },
  'audit export': async () => {
    const day = clock().toISOString().slice(0, 10);
    return {
      expected: 200,
      send: () => invoke(handlers.audit, 'GET /v1/audit/export', auditor, { query: { from: day, to: day } }),
      after: async (answer) => {
        expect(answer.headers['X-Audit-Signature']).toEqual(expect.any(String));
        expect(answer.text.trim().split('\n').length).toBeGreaterThan(0);
      },
    };
  },
};

const $metadata = {};
const network = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
const timedOut = () => Object.assign(new Error('a request has exceeded the configured 3000 ms requestTimeout'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
const cancelled = (reason: (item: unknown, i: number, items: readonly unknown[]) => string) => (input: { TransactItems: unknown[] }) => {
  throw new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata,
    CancellationReasons: input.TransactItems.map((item, i, items) => ({ Code: reason(item, i, items) })),
  });
};

/** Which KMS call each operation makes, in the order it makes them. */
const kmsCalls = {
  submission: [GenerateMacCommand, SignCommand, GenerateDataKeyCommand],
  publication: [SignCommand],
  check: [GenerateMacCommand],
  'batch check': [GenerateMacCommand],
  'audit export': [SignCommand],
} as const;

const kmsFaults: [string, () => Error, string][] = [
  ['throttled (ThrottlingException)', () => unmodeledKmsError('ThrottlingException', 'Rate exceeded'), '1'],
  ['a disabled key (DisabledException)', () => new DisabledException({ message: 'key is disabled', $metadata }), '30'],
  ['a key pending deletion (KMSInvalidStateException)', () => new KMSInvalidStateException({ message: 'pending deletion', $metadata }), '30'],
  ['unreachable (ECONNREFUSED)', () => network('ECONNREFUSED'), '2'],
  ['timing out (TimeoutError)', timedOut, '2'],
];

const dynamoFaults: [string, () => Error][] = [
  ['ProvisionedThroughputExceededException', () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata })],
  ['ThrottlingException', () => new ThrottlingException({ message: 'slow down', $metadata })],
  ['RequestLimitExceeded', () => new RequestLimitExceeded({ message: 'account limit', $metadata })],
  ['InternalServerError', () => new InternalServerError({ message: 'internal', $metadata })],
  ['unreachable (ECONNRESET)', () => network('ECONNRESET')],
  ['timing out (TimeoutError)', timedOut],
];

/** The write (or, for the export, the read) each operation cannot do without. */
const dynamoCalls = {
  submission: TransactWriteCommand,
  publication: TransactWriteCommand,
  check: TransactWriteCommand,
  'batch check': TransactWriteCommand,
  'audit export': QueryCommand,
} as const;

/** The state with each quota counter reduced to its counts (a released reservation leaves the minute it was counted in). */
function withQuotaCounts(state: StoredState): StoredState {
  const main = state.main
    .map((item) =>
      String(item.pk).startsWith('QUOTA#') && String(item.sk).startsWith('DAY#')
        ? { pk: item.pk, sk: item.sk, dayCount: item.dayCount ?? 0, guesses: item.guesses ?? 0 }
        : item,
    )
    .filter((item) => !(String(item.pk).startsWith('QUOTA#') && item.dayCount === 0 && item.guesses === 0));
  return { ...state, main };
}

/** Sends `operation` under a fault and expects a 503 that changed nothing; then heals and expects success. */
async function expectUnavailableThenRecovery(operation: Operation, inject: () => void, retryAfter: string): Promise<void> {
  const before = await storedState(endpoint, tables);
  const chainBefore = await intactChain(deps.audit);
  inject();
  const answer = await operation.send();
  expect(answer.status, answer.text).toBe(503);
  expect(answer.headers['Retry-After']).toBe(retryAfter);
  expect(answer.headers['Content-Type']).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ type: 'https://peerguard.dev/problems/temporarily-unavailable', status: 503, detail: expect.stringContaining('retry') });
  expect(answer.text).not.toContain('Canary');
  expect(answer.text).not.toContain('stack');

  healAll();
  const after = await storedState(endpoint, tables);
  // A check reserves its quota before computing anything and gives it back when it fails: its counts are as they were.
  expect(withQuotaCounts(after), 'nothing was written: no half-written alert, no audit entry, no booking counted').toEqual(withQuotaCounts(before));

  const retried = await operation.send();
  expect(retried.status, retried.text).toBe(operation.expected);
  await operation.after?.(retried);
  const chainAfter = await intactChain(deps.audit);
  expect(chainAfter.slice(0, chainBefore.length), 'the chain only grew').toEqual(chainBefore);
  expectWholeAlerts(await storedState(endpoint, tables), publicKeyPem);
}

describe('KMS faults answer 503 with Retry-After, change nothing, and the same request then succeeds', () => {
  const cases = (Object.keys(kmsCalls) as (keyof typeof kmsCalls)[]).flatMap((op) =>
    kmsCalls[op].flatMap((command) => kmsFaults.map(([fault, error, retryAfter]) => [op, command.name, fault, command, error, retryAfter] as const)),
  );
  it.each(cases)('%s: KMS %s %s', async (op, _name, _fault, command, error, retryAfter) => {
    const operation = await operations[op]!();
    await expectUnavailableThenRecovery(operation, () => kms.on(command as never).rejects(error()), retryAfter);
  });
});

describe('DynamoDB faults answer 503 with Retry-After, change nothing, and the same request then succeeds', () => {
  const cases = (Object.keys(dynamoCalls) as (keyof typeof dynamoCalls)[]).flatMap((op) =>
    dynamoFaults.map(([fault, error]) => [op, dynamoCalls[op].name, fault, dynamoCalls[op], error] as const),
  );
  it.each(cases)('%s: %s %s', async (op, _name, _fault, command, error) => {
    const operation = await operations[op]!();
    await expectUnavailableThenRecovery(operation, () => ddb.on(command as never).rejects(error()), '2');
  });

  it('an export whose own audit entry (a lone Put) is throttled is a 503: no entry, no manifest handed out', async () => {
    const operation = await operations['audit export']!();
    await expectUnavailableThenRecovery(operation, () => ddb.on(PutCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata })), '2');
  });

  it('a check whose token lookup is throttled (BatchGetItem) is a 503 and is not counted or audited', async () => {
    const operation = await operations.check!();
    await expectUnavailableThenRecovery(
      operation,
      () => ddb.on(BatchGetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata })),
      '2',
    );
  });
});

/** The publication transaction: the alert's Put, one token-index Update per token, then the two audit Puts. */
const isAuditPut = (item: unknown) => (item as { Put?: { TableName?: string } }).Put?.TableName === tables.audit;
const isTokenUpdate = (item: unknown) => (item as { Update?: { TableName?: string } }).Update?.TableName === tables.tokens;

describe('the publication transaction cancelled mid-way', () => {
  it('cancelled by throttling on one token-index write: 503, nothing published, nothing indexed, no audit entry; then it publishes whole', async () => {
    const operation = await operations.publication!();
    await expectUnavailableThenRecovery(
      operation,
      () =>
        ddb
          .on(TransactWriteCommand)
          .callsFake(cancelled((item, i, items) => (isTokenUpdate(item) && !isTokenUpdate(items[i + 1]) ? 'ThrottlingError' : 'None'))),
      '2',
    );
  });

  it('cancelled because the alert changed underneath (version condition): decided again on the new state and published once', async () => {
    const operation = await operations.publication!();
    const chainBefore = await intactChain(deps.audit);
    ddb.on(TransactWriteCommand).callsFakeOnce(cancelled((_, i) => (i === 0 ? 'ConditionalCheckFailed' : 'None')));
    const answer = await operation.send();
    expect(answer.status, answer.text).toBe(200);
    await operation.after?.(answer);
    const added = (await intactChain(deps.audit)).slice(chainBefore.length);
    expect(added.filter((entry) => entry.action === 'alert.published')).toHaveLength(1);
    expect(added.filter((entry) => entry.action === 'alert.approved')).toHaveLength(1);
    expectWholeAlerts(await storedState(endpoint, tables), publicKeyPem);
  });

  it('an alert that keeps changing underneath is a 409 the reviewer can act on, with nothing written', async () => {
    const operation = await operations.publication!();
    const before = await storedState(endpoint, tables);
    ddb.on(TransactWriteCommand).callsFake(cancelled((_, i) => (i === 0 ? 'ConditionalCheckFailed' : 'None')));
    const answer = await operation.send();
    expect(answer.status, answer.text).toBe(409);
    expect(answer.headers['Content-Type']).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 409, detail: expect.stringContaining('try again') });
    healAll();
    expect(await storedState(endpoint, tables)).toEqual(before);
    const retried = await operation.send();
    expect(retried.status).toBe(200);
    await operation.after?.(retried);
  });

  it('cancelled by a conflicting transaction, or by another writer taking the audit sequence number: retried and published once', async () => {
    const operation = await operations.publication!();
    const chainBefore = await intactChain(deps.audit);
    ddb
      .on(TransactWriteCommand)
      .callsFakeOnce(cancelled((_, i) => (i === 1 ? 'TransactionConflict' : 'None')))
      .callsFakeOnce(cancelled((item) => (isAuditPut(item) ? 'ConditionalCheckFailed' : 'None')));
    const answer = await operation.send();
    expect(answer.status, answer.text).toBe(200);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);
    await operation.after?.(answer);
    const added = (await intactChain(deps.audit)).slice(chainBefore.length);
    expect(added.map((entry) => entry.action)).toEqual(['alert.approved', 'alert.published', 'check.performed']);
    expectWholeAlerts(await storedState(endpoint, tables), publicKeyPem);
  });
});

describe('conditional failures on a lone audit append', () => {
  it('an export whose audit Put loses the sequence number to another writer is retried on the new head, recorded once', async () => {
    const operation = await operations['audit export']!();
    const chainBefore = await intactChain(deps.audit);
    ddb.on(PutCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata }));
    const answer = await operation.send();
    expect(answer.status, answer.text).toBe(200);
    const added = (await intactChain(deps.audit)).slice(chainBefore.length);
    expect(added.map((entry: AuditEntry) => entry.action)).toEqual(['audit.exported']);
  });
});

describe('SNS failing never fails the request: the notification is kept in the outbox', () => {
  it.each([
    ['submission', 'alert.awaiting_review'],
    ['publication', 'alert.published'],
  ] as const)('%s answers as usual with SNS down, and the %s notice waits in the outbox for the sweep', async (op, type) => {
    const operation = await operations[op]!();
    sns.on(PublishCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND sns.eu-west-2.amazonaws.com'), { code: 'ENOTFOUND' }));
    const before = logger.lines.length;
    const answer = await operation.send();
    expect(answer.status, answer.text).toBe(operation.expected);
    await operation.after?.(answer);
    expect(sns.commandCalls(PublishCommand).length).toBeGreaterThanOrEqual(3);
    const failed = logger.lines.slice(before).filter((line) => line.message === 'notification failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.extra[0]).toMatchObject({ type, kept: expect.any(String) });
    const kept = await deps.outbox.list(100);
    expect(kept.map((entry) => entry.notification.type)).toContain(type);
    expect(JSON.stringify(kept)).not.toContain('Canary');
    expectWholeAlerts(await storedState(endpoint, tables), publicKeyPem);
  });
});

it('after the whole matrix the chain is whole, every alert whole, and no raw identifier reached a log line', async () => {
  await intactChain(deps.audit);
  const state = await storedState(endpoint, tables);
  expectWholeAlerts(state, publicKeyPem);
  expect(storedAlerts(state).length).toBeGreaterThan(10);
  expect(JSON.stringify(state)).not.toContain('Canary');
  expect(JSON.stringify(logger.lines)).not.toContain('Canary');
});
