import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { auditChangeOf } from '#shared/adapters/dynamo/audit-stream-records.ts';
import { copyAuditChanges, type StreamCopyDeps } from '#shared/domain/audit-stream.ts';
import { errorName } from '#shared/errors.ts';
import { localClient } from './dynamo-local.ts';

/** Where reading a shard resumes: from its start, or at a record (the one that failed). */
type Resume = { readonly iterator: string } | { readonly at: string } | { readonly after: string } | 'start' | 'closed';

export interface AuditStreamPoller {
  /** Reads every shard up to its current end once, copying what it finds; resolves when done. */
  drain(): Promise<void>;
  stop(): void;
}

/**
 * What a stream-triggered Lambda does in AWS, for the local server: reads the audit table's stream
 * (DynamoDB Local supports DynamoDB Streams) every `intervalMs` and hands each batch to the same
 * domain function, which copies entries to read-only files under DATA_DIR/audit-copy and records
 * and reports any modify or remove. A restart reads the stream again from its start (DynamoDB
 * Local keeps 24 hours of it): copies that exist are left as they are, and a change already
 * copied is not recorded again.
 */
export function startAuditStreamPoller(deps: StreamCopyDeps, options: { endpoint: string; table: string; intervalMs: number }): AuditStreamPoller {
  const tables = localClient(options.endpoint);
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const shards = new Map<string, Resume>();
  let streamArn: string | undefined;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const iteratorOf = async (shardId: string, resume: Exclude<Resume, 'closed'>): Promise<string | undefined> => {
    if (typeof resume === 'object' && 'iterator' in resume) return resume.iterator;
    const position =
      resume === 'start'
        ? { ShardIteratorType: 'TRIM_HORIZON' as const }
        : 'at' in resume
          ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER' as const, SequenceNumber: resume.at }
          : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: resume.after };
    const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...position }));
    return ShardIterator;
  };

  const readShard = async (shard: Shard): Promise<void> => {
    const shardId = shard.ShardId!;
    let resume = shards.get(shardId) ?? 'start';
    while (resume !== 'closed' && !stopped) {
      let iterator: string | undefined;
      let page;
      try {
        iterator = await iteratorOf(shardId, resume);
        if (!iterator) {
          resume = 'closed';
          break;
        }
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      } catch (error) {
        // An iterator lapses after 15 minutes; trimmed records are gone: read what is left from the start.
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          resume = 'start';
          continue;
        }
        throw error;
      }
      const records = page.Records ?? [];
      const report = await copyAuditChanges(deps, records.map(auditChangeOf));
      if (report.failedAt) {
        resume = { at: report.failedAt.position };
        break;
      }
      resume = page.NextShardIterator ? { iterator: page.NextShardIterator } : 'closed';
      // Nothing new: this shard is read up to its end for now.
      if (records.length === 0) break;
    }
    shards.set(shardId, resume);
  };

  const poll = async (): Promise<void> => {
    try {
      if (!streamArn) {
        const { Table } = await tables.send(new DescribeTableCommand({ TableName: options.table }));
        streamArn = Table?.LatestStreamArn;
        if (!streamArn) throw new Error(`table ${options.table} has no stream`);
      }
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      // Parents before children, so a change is never read before the ones it follows.
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shards.get(shard.ShardId!) === 'closed') continue;
        await readShard(shard);
      }
    } catch (error) {
      deps.logger.error('audit stream poll failed', { errorName: errorName(error) });
    }
  };

  const drain = (): Promise<void> => {
    running ??= poll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = () => {
    if (stopped) return;
    void drain().finally(() => {
      if (!stopped) timer = setTimeout(tick, options.intervalMs).unref();
    });
  };
  if (options.intervalMs > 0) tick();

  return {
    drain,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      tables.destroy();
      streams.destroy();
    },
  };
}
