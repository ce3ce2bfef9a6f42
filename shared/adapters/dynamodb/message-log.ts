/**
 * The delivery log on the messages table, one item per decided outcome, in day partitions read
 * newest first:
 *
 *   pk 'MSGLOG#<yyyy-mm-dd>'   sk '<at ISO>#<executionId>#<step>#<channel>'
 *      profileId, at, channel, journey, step, executionId, variantId?, intent?, status, reason?,
 *      expiresAt (at + retention)
 *
 * The profile id is Feltfit's opaque id and sits inside the (KMS-encrypted) item, never an address;
 * erasure finds the items by that attribute (the byProfile index). A redelivered outcome (same
 * instant, execution, step and channel) overwrites its own item. One day is one partition: DynamoDB
 * takes about 1,000 writes a second per partition key before it splits for heat, which bounds the
 * send rate this log follows at full speed (docs/channels.md).
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  dayOf,
  type MessageLogEntry,
  type MessageLogPage,
  type MessageLogReader,
  type MessagesQuery,
} from '../../domain/channels/message-log.js';

type MessageOutcome = MessageLogEntry;
/** The writer side (structurally the MessageOutcomeLog port of shared/ports/activity.ts). */
export interface MessageOutcomeWriter {
  record(outcome: MessageOutcome): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Queries one listing may make before it answers with what it has and a cursor. */
const QUERY_BUDGET = 40;

interface Cursor {
  /** The day to continue in. */
  readonly d: string;
  /** The last key returned in that day, if any. */
  readonly k?: { pk: string; sk: string };
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
function decode(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(c.d)) return c;
  } catch {
    // fall through
  }
  return undefined;
}

const previousDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);

export function messageLogKey(o: Pick<MessageOutcome, 'at' | 'executionId' | 'step' | 'channel'>) {
  const at = new Date(Date.parse(o.at)).toISOString();
  return { pk: `MSGLOG#${dayOf(at)}`, sk: `${at}#${o.executionId}#${o.step}#${o.channel}` };
}

function fromItem(i: Record<string, unknown>): MessageLogEntry {
  const str = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : undefined);
  return {
    profileId: String(i.profileId),
    at: String(i.at),
    channel: String(i.channel),
    journey: String(i.journey),
    step: String(i.step),
    executionId: String(i.executionId),
    status: String(i.status) as MessageLogEntry['status'],
    ...(str('variantId') ? { variantId: str('variantId') } : {}),
    ...(str('intent') ? { intent: str('intent') } : {}),
    ...(str('reason') ? { reason: str('reason') } : {}),
  };
}

/** Writes and lists the delivery log. */
export class DynamoDbMessageLog implements MessageOutcomeWriter, MessageLogReader {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      /** The messages table. */
      readonly tableName: string;
      readonly retentionDays: number;
      readonly now?: () => Date;
    },
  ) {}

  async record(o: MessageOutcome): Promise<void> {
    const at = new Date(Date.parse(o.at)).toISOString();
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...messageLogKey(o),
          profileId: o.profileId,
          at,
          channel: o.channel,
          journey: o.journey,
          step: o.step,
          executionId: o.executionId,
          status: o.status,
          ...(o.variantId ? { variantId: o.variantId } : {}),
          ...(o.intent ? { intent: o.intent } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
          expiresAt: Math.floor(Date.parse(at) / 1000) + this.options.retentionDays * 86_400,
        },
      }),
    );
  }

  async list(query: Omit<MessagesQuery, 'limit'> & { readonly limit: number }): Promise<MessageLogPage> {
    const now = (this.options.now ?? (() => new Date()))();
    const oldest = new Date(now.getTime() - this.options.retentionDays * DAY_MS).toISOString().slice(0, 10);
    const from = decode(query.cursor);
    let day = from?.d ?? now.toISOString().slice(0, 10);
    let start: Record<string, unknown> | undefined = from?.k;
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    for (const field of ['channel', 'status', 'reason'] as const) {
      const v = query[field];
      if (v === undefined) continue;
      filters.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = v;
    }
    const out: MessageLogEntry[] = [];
    for (let queries = 0; queries < QUERY_BUDGET; queries++) {
      if (day < oldest) return { messages: out };
      const res = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `MSGLOG#${day}`, ...values },
          ...(filters.length
            ? { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names }
            : {}),
          ScanIndexForward: false,
          Limit: 200,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        out.push(fromItem(item));
        if (out.length === query.limit) {
          return {
            messages: out,
            cursor: encode({ d: day, k: { pk: String(item.pk), sk: String(item.sk) } }),
          };
        }
      }
      if (res.LastEvaluatedKey) start = res.LastEvaluatedKey;
      else {
        day = previousDay(day);
        start = undefined;
      }
    }
    // Out of budget (many empty days or filtered-out items): what was found, and where to go on.
    return {
      messages: out,
      cursor: encode({ d: day, ...(start ? { k: start as { pk: string; sk: string } } : {}) }),
    };
  }
}

/** One MessageOutcomeLog writing to several (the delivery log and the per-person log, say). */
export function fanOutOutcomes(...logs: readonly MessageOutcomeWriter[]): MessageOutcomeWriter {
  return {
    async record(o) {
      await Promise.all(logs.map((l) => l.record(o)));
    },
  };
}
