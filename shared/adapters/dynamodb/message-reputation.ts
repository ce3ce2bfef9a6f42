/**
 * Email reputation on the messages table: hourly counters and the marketing-email pause flag.
 *
 *   pk = 'REPUTATION#email'  sk = 'H#<YYYY-MM-DDTHH>'  sends, bounces, complaints (ADD), expiresAt
 *   pk = 'REPUTATION#email'  sk = 'PAUSE'              paused, reason, at, bounceRate, complaintRate
 *   pk = 'FEEDBACK#<key>'    sk = 'FEEDBACK'           at, expiresAt — a provider feedback id counted once
 *
 * `addOnce` puts the feedback marker and adds to the hour's counter in one transaction, so a
 * redelivered bounce or complaint is counted exactly once, even when the first delivery failed midway.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ReputationStore } from '../../ports/channels.js';
import { isConditionalCheckFailed } from './conditions.js';

const PK = 'REPUTATION#email';
const hour = (d: Date) => `H#${d.toISOString().slice(0, 13)}`;
const KEEP_SECONDS = 35 * 86_400;

/** DynamoDB implementation of ReputationStore. */
export class DynamoDbReputationStore implements ReputationStore {
  private cached: { paused: boolean; until: number } | undefined;

  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      /** How long `isPaused` answers from memory (one read per send otherwise). */
      readonly pauseCacheMs?: number;
      readonly now?: () => number;
    },
  ) {}

  private counterUpdate(at: Date, counts: { sends?: number; bounces?: number; complaints?: number }) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':exp': Math.floor(at.getTime() / 1000) + KEEP_SECONDS };
    const adds: string[] = [];
    for (const [k, v] of Object.entries(counts)) {
      if (!v) continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      adds.push(`#${k} :${k}`);
    }
    if (adds.length === 0) return undefined;
    return {
      TableName: this.options.tableName,
      Key: { pk: PK, sk: hour(at) },
      UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :exp`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async add(at: Date, counts: { sends?: number; bounces?: number; complaints?: number }): Promise<void> {
    const update = this.counterUpdate(at, counts);
    if (update) await this.options.client.send(new UpdateCommand(update));
  }

  async addOnce(
    key: string,
    at: Date,
    counts: { sends?: number; bounces?: number; complaints?: number },
  ): Promise<boolean> {
    const update = this.counterUpdate(at, counts);
    const marker = {
      TableName: this.options.tableName,
      Item: {
        pk: `FEEDBACK#${key}`,
        sk: 'FEEDBACK',
        at: at.toISOString(),
        // Providers redeliver within hours; the counters themselves are kept 35 days.
        expiresAt: Math.floor(at.getTime() / 1000) + KEEP_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: marker }, ...(update ? [{ Update: update }] : [])],
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err, 0)) return false;
      throw err;
    }
  }

  async totals(from: Date, to: Date): Promise<{ sends: number; bounces: number; complaints: number }> {
    const totals = { sends: 0, bounces: 0, complaints: 0 };
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':pk': PK, ':a': hour(from), ':b': hour(to) },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        totals.sends += Number(item.sends ?? 0);
        totals.bounces += Number(item.bounces ?? 0);
        totals.complaints += Number(item.complaints ?? 0);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return totals;
  }

  async pause(state: {
    reason: string;
    at: string;
    bounceRate: number;
    complaintRate: number;
  }): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { pk: PK, sk: 'PAUSE', paused: true, ...state },
      }),
    );
    this.cached = undefined;
  }

  async isPaused(): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && this.cached.until > now) return this.cached.paused;
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: PK, sk: 'PAUSE' } }),
    );
    const paused = out.Item?.paused === true;
    this.cached = { paused, until: now + (this.options.pauseCacheMs ?? 0) };
    return paused;
  }

  async resume(): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: { pk: PK, sk: 'PAUSE' } }),
    );
    this.cached = undefined;
  }
}
