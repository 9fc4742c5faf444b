/**
 * Counting the requests a check costs, by instrumenting the adapters rather than estimating:
 * a middleware on the SDK client the DynamoDB stores use, and wrappers around the Keyring
 * (KMS GenerateMac in AWS), Signer (KMS Sign / GetPublicKey) and TextCipher (KMS GenerateDataKey /
 * Decrypt for the summary envelope) ports.
 */
import type { Keyring, Signer, TextCipher } from '#shared/ports.ts';

const reads = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const writes = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export type RequestClass = 'read' | 'write' | 'other';

/** `GetItemCommand` → `GetItem`. */
export const operationName = (commandName: string) => commandName.replace(/Command$/, '');

export function classify(operation: string): RequestClass {
  return reads.has(operation) ? 'read' : writes.has(operation) ? 'write' : 'other';
}

/** Every table a DynamoDB request input names (TableName, RequestItems, TransactItems). */
export function tablesOf(input: unknown): string[] {
  if (!input || typeof input !== 'object') return [];
  const value = input as { TableName?: unknown; RequestItems?: Record<string, unknown>; TransactItems?: Record<string, { TableName?: unknown } | undefined>[] };
  const names = new Set<string>();
  if (typeof value.TableName === 'string') names.add(value.TableName);
  for (const name of Object.keys(value.RequestItems ?? {})) names.add(name);
  for (const item of value.TransactItems ?? []) {
    for (const action of Object.values(item)) if (typeof action?.TableName === 'string') names.add(action.TableName);
  }
  return [...names];
}

/** A bag of named counts that can be snapshotted and differenced around a measured phase. */
export class RequestCounter {
  private readonly counts = new Map<string, number>();

  add(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** What was counted since `before` (a snapshot), leaving out names that did not move. */
  since(before: Record<string, number>): Record<string, number> {
    const moved: Record<string, number> = {};
    for (const [name, count] of this.counts) {
      const delta = count - (before[name] ?? 0);
      if (delta !== 0) moved[name] = delta;
    }
    return moved;
  }
}

/**
 * Counts one DynamoDB request under `dynamo.<read|write|other>.<Operation>`, or under
 * `auth.<read|…>.<Operation>` when it touches only the API keys table (the authorizer's lookup,
 * which API Gateway caches for up to 60 s in AWS).
 */
export function countDynamoRequest(counter: RequestCounter, commandName: string, input: unknown, apiKeysTable: string): void {
  const operation = operationName(commandName);
  const tables = tablesOf(input);
  const prefix = tables.length > 0 && tables.every((table) => table === apiKeysTable) ? 'auth' : 'dynamo';
  counter.add(`${prefix}.${classify(operation)}.${operation}`);
}

/** The slice of an SDK client's middleware stack the counter needs. */
interface MiddlewareStackLike {
  add(
    middleware: (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => (args: { input: unknown }) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void;
}

/** Adds the counting middleware to a DynamoDB (document) client: once per request, before retries. */
export function instrumentDynamo(client: { middlewareStack: unknown }, counter: RequestCounter, apiKeysTable: string): void {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next, context) => async (args) => {
      countDynamoRequest(counter, context.commandName ?? 'Unknown', args.input, apiKeysTable);
      return next(args);
    },
    { step: 'initialize', name: 'peerguardBenchCounter' },
  );
}

/** The keyring, counting every MAC as one KMS GenerateMac (previous keys included). */
export function countingKeyring(keyring: Keyring, counter: RequestCounter): Keyring {
  return {
    version: keyring.version,
    mac: (message) => {
      counter.add('kms.GenerateMac');
      return keyring.mac(message);
    },
    previous: keyring.previous?.map((previous) => countingKeyring(previous, counter)),
  };
}

export function countingSigner(signer: Signer, counter: RequestCounter): Signer {
  return {
    keyId: signer.keyId,
    sign: (message) => {
      counter.add('kms.Sign');
      return signer.sign(message);
    },
    publicKeyPem: () => {
      counter.add('kms.GetPublicKey');
      return signer.publicKeyPem();
    },
  };
}

/** Each envelope encryption asks KMS for a data key, each decryption to decrypt one. */
export function countingCipher(cipher: TextCipher, counter: RequestCounter): TextCipher {
  return {
    encrypt: (plaintext, context) => {
      counter.add('kms.GenerateDataKey');
      return cipher.encrypt(plaintext, context);
    },
    decrypt: (ciphertext, context) => {
      counter.add('kms.Decrypt');
      return cipher.decrypt(ciphertext, context);
    },
  };
}

export interface PerUnitCost {
  readonly kms: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  readonly authReads: number;
  /** Every counted name divided by the units. */
  readonly detail: Record<string, number>;
}

/** Counts over `units` (checks, bookings): KMS requests, DynamoDB reads and writes, authorisation reads. */
export function perUnit(counts: Record<string, number>, units: number): PerUnitCost {
  const sum = (prefix: string) => Object.entries(counts).reduce((total, [name, count]) => (name.startsWith(prefix) ? total + count : total), 0) / units;
  return {
    kms: sum('kms.'),
    dynamoReads: sum('dynamo.read.'),
    dynamoWrites: sum('dynamo.write.'),
    authReads: sum('auth.read.'),
    detail: Object.fromEntries(Object.entries(counts).map(([name, count]) => [name, count / units])),
  };
}
