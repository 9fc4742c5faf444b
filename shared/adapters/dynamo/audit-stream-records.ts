import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditChange } from '../../records.ts';
import { attr } from './tables.ts';

/**
 * A record of the audit table's stream as both readers get it: a Lambda's DynamoDBStreamEvent
 * (epoch seconds) and DynamoDB Streams' GetRecords (a Date). Images are in the wire format.
 */
export interface AuditStreamRecord {
  readonly eventID?: string | undefined;
  readonly eventName?: string | undefined;
  readonly dynamodb?:
    | {
        readonly Keys?: Record<string, unknown> | undefined;
        readonly NewImage?: Record<string, unknown> | undefined;
        readonly OldImage?: Record<string, unknown> | undefined;
        readonly SequenceNumber?: string | undefined;
        readonly ApproximateCreationDateTime?: number | Date | undefined;
      }
    | undefined;
}

const kinds = { INSERT: 'insert', MODIFY: 'modify', REMOVE: 'remove' } as const;

const image = (value: Record<string, unknown> | undefined) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

/** The change a stream record reports; throws on a record that is not one (no key, no event name). */
export function auditChangeOf(record: AuditStreamRecord): AuditChange {
  const kind = kinds[record.eventName as keyof typeof kinds];
  const stream = record.dynamodb;
  const keys = image(stream?.Keys);
  if (!kind || !stream?.SequenceNumber || !record.eventID || !keys) throw new Error('not a DynamoDB stream record of the audit table');
  const when = stream.ApproximateCreationDateTime;
  const at = when instanceof Date ? when : new Date(typeof when === 'number' ? when * 1000 : Date.now());
  return {
    eventId: record.eventID,
    position: stream.SequenceNumber,
    kind,
    at: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    chain: String(keys[attr.chain]),
    seq: Number(keys[attr.seq]),
    newItem: image(stream.NewImage),
    oldItem: image(stream.OldImage),
  };
}
