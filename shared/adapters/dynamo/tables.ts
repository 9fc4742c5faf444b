/**
 * Table shapes, shared by the CDK stack and the local start-up (which creates them in
 * DynamoDB Local). Key and attribute names live here as constants so no adapter spells
 * them twice.
 */
export const attr = {
  pk: 'pk',
  sk: 'sk',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  gsi2pk: 'gsi2pk',
  gsi2sk: 'gsi2sk',
  /** Audit table: the chain an entry belongs to (partition key) and its sequence number (sort key). */
  chain: 'chain',
  seq: 'seq',
  /** Audit table: `<at>#<seq, zero-padded>`, the sort key of the by-time index. */
  atSeq: 'atSeq',
  keyId: 'keyId',
  /** ApiKeys table: the key's role, partition key of the keys-by-role index. */
  role: 'role',
  /** Main table: top-level on practices, alerts and idempotency records only; sort key of the by-kind index. */
  practiceId: 'practiceId',
  token: 'token',
  /** Token index: a counter every change of the item adds one to (so pruning an empty item is conditional). */
  tokenRevision: 'rev',
  /** Prefix of a token item's per-alert attributes: `alert#<alertId>`. */
  indexEntryPrefix: 'alert#',
  /** Epoch seconds; the TTL attribute. DynamoDB may delete late (or never, locally), so reads filter on it too. */
  ttl: 'ttl',
} as const;

export const indexNames = { pendingReview: 'gsi1', publishedByExpiry: 'gsi2', auditByTime: 'byTime', byKind: 'byKind', keysByRole: 'keysByRole' } as const;

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface TableDefinition {
  /** Logical name in the CDK stack and the config key that carries the physical name. */
  readonly id: 'ApiKeys' | 'Main' | 'TokenIndex' | 'Audit';
  readonly configKey: 'API_KEYS_TABLE' | 'MAIN_TABLE' | 'TOKEN_TABLE' | 'AUDIT_TABLE';
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly {
    readonly indexName: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey: KeyAttribute;
    /** Non-key attributes the index holds (projection INCLUDE); absent, it holds every attribute (ALL). */
    readonly include?: readonly string[];
  }[];
  readonly timeToLiveAttribute?: string;
  /** A stream of the table's changes, with both images (the audit table's write-once copy reads it). */
  readonly stream?: 'NEW_AND_OLD_IMAGES';
}

/**
 * API keys by key id: role, practice, SHA-256 of the secret, revocation. Items are read only by
 * the authorizer. The keys-by-role index (role, then key id, which sorts by creation) lists keys
 * for the admin and answers "who am I" for any key; it holds no secret hash (INCLUDE projection),
 * and the admin function may query the index only, never the table.
 */
export const apiKeysTable: TableDefinition = {
  id: 'ApiKeys',
  configKey: 'API_KEYS_TABLE',
  partitionKey: { name: attr.keyId, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: indexNames.keysByRole,
      partitionKey: { name: attr.role, type: 'S' },
      sortKey: { name: attr.keyId, type: 'S' },
      include: ['practiceId', 'label', 'createdAt', 'revokedAt'],
    },
  ],
};

/**
 * Practices, consent clauses, alerts (with their reviews and history), idempotency records,
 * screening quota counters, notifications waiting for redelivery, and the console's read side:
 * the network's counters, the security notices, and each reviewer's decisions.
 *
 * The by-kind index is keyed (sk, practiceId): only practices, alerts and idempotency records
 * carry a top-level practiceId, so it holds just those (sparse; the quota counters on the
 * screening path are not in it). `sk = PRACTICE` lists the practices; `sk = ALERT` the alerts,
 * and with `practiceId = …` one practice's. It holds the few attributes a list sorts and filters
 * on; the alerts of a page are then read whole. Both keys already exist on every such item, so
 * DynamoDB fills the index from the items stored before it existed.
 */
export const mainTable: TableDefinition = {
  id: 'Main',
  configKey: 'MAIN_TABLE',
  partitionKey: { name: attr.pk, type: 'S' },
  sortKey: { name: attr.sk, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: indexNames.pendingReview,
      partitionKey: { name: attr.gsi1pk, type: 'S' },
      sortKey: { name: attr.gsi1sk, type: 'S' },
    },
    {
      indexName: indexNames.publishedByExpiry,
      partitionKey: { name: attr.gsi2pk, type: 'S' },
      sortKey: { name: attr.gsi2sk, type: 'S' },
    },
    {
      indexName: indexNames.byKind,
      partitionKey: { name: attr.sk, type: 'S' },
      sortKey: { name: attr.practiceId, type: 'S' },
      include: ['alertId', 'submittedAt', 'status', 'expiresAt', 'name', 'region', 'createdAt'],
    },
  ],
  timeToLiveAttribute: attr.ttl,
};

/**
 * One item per token: the published alerts that carry it, as top-level attributes
 * `alert#<alertId>`. A check reads every token it computed with one BatchGetItem.
 */
export const tokenIndexTable: TableDefinition = {
  id: 'TokenIndex',
  configKey: 'TOKEN_TABLE',
  partitionKey: { name: attr.token, type: 'S' },
  globalSecondaryIndexes: [],
};

/**
 * The audit log: one hash chain, an item per entry keyed by (chain, seq). Appends are
 * conditional Puts on the next sequence number inside the action's own transaction; the
 * by-time index finds the first and last entry of an export's date range. Its stream (both
 * images) feeds the write-once copy and reports any item changed or deleted after it was written.
 */
export const auditTable: TableDefinition = {
  id: 'Audit',
  configKey: 'AUDIT_TABLE',
  partitionKey: { name: attr.chain, type: 'S' },
  sortKey: { name: attr.seq, type: 'N' },
  globalSecondaryIndexes: [
    {
      indexName: indexNames.auditByTime,
      partitionKey: { name: attr.chain, type: 'S' },
      sortKey: { name: attr.atSeq, type: 'S' },
    },
  ],
  stream: 'NEW_AND_OLD_IMAGES',
};

export const tableDefinitions = [apiKeysTable, mainTable, tokenIndexTable, auditTable] as const;
