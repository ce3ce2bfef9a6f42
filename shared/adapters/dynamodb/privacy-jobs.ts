/**
 * Privacy jobs in the control table:
 *   job          pk 'PRIVACYJOB#<jobId>'  sk 'JOB'                                 the job (JSON), expiresAt
 *   export part  pk 'PRIVACYJOB#<jobId>'  sk 'PART#<attempt>#<index>#<chunk>'     name, data, expiresAt
 * A part is split into chunks of at most 100,000 characters (≤ 300 KB of UTF-8, under the 400 KB item
 * limit). Jobs expire after 30 days, export parts after 7: the audit record, not the job, is the
 * lasting proof of an erasure.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PrivacyJob, PrivacyJobStore } from '../../ports/privacy-jobs.js';
import { batchDelete, type ItemKey } from './privacy-delete.js';

const CHUNK = 100_000;
const DAY = 86_400;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** PrivacyJobStore on DynamoDB. */
export class DynamoDbPrivacyJobStore implements PrivacyJobStore {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly now?: () => Date;
    },
  ) {}

  private expiresAt(days: number): number {
    return Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000) + days * DAY;
  }

  async get(jobId: string): Promise<PrivacyJob | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: `PRIVACYJOB#${jobId}`, sk: 'JOB' },
        ConsistentRead: true,
      }),
    );
    return typeof out.Item?.job === 'string' ? (JSON.parse(out.Item.job) as PrivacyJob) : undefined;
  }

  async put(job: PrivacyJob): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `PRIVACYJOB#${job.jobId}`,
          sk: 'JOB',
          job: JSON.stringify(job),
          expiresAt: this.expiresAt(30),
        },
      }),
    );
  }

  async putPart(jobId: string, attempt: number, index: number, name: string, json: string): Promise<void> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0, chunk = 0; i < json.length || chunk === 0; i += CHUNK, chunk++) {
      items.push({
        pk: `PRIVACYJOB#${jobId}`,
        sk: `PART#${pad(attempt, 4)}#${pad(index, 4)}#${pad(chunk, 6)}`,
        name,
        data: json.slice(i, i + CHUNK),
        expiresAt: this.expiresAt(7),
      });
    }
    // One chunk at a time: a batch of 25 chunks could exceed BatchWriteItem's 16 MB.
    for (const Item of items) {
      await this.options.client.send(new PutCommand({ TableName: this.options.tableName, Item }));
    }
  }

  async deleteParts(jobId: string): Promise<number> {
    const keys: ItemKey[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `PRIVACYJOB#${jobId}`, ':prefix': 'PART#' },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) keys.push({ pk: String(item.pk), sk: String(item.sk) });
      start = out.LastEvaluatedKey;
    } while (start);
    return keys.length ? batchDelete(this.options.client, this.options.tableName, keys) : 0;
  }

  async readParts(jobId: string, attempt: number): Promise<{ name: string; json: string }[]> {
    const parts = new Map<string, { name: string; chunks: string[] }>();
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `PRIVACYJOB#${jobId}`, ':prefix': `PART#${pad(attempt, 4)}#` },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const index = String(item.sk).split('#')[2]!;
        const part = parts.get(index) ?? { name: String(item.name), chunks: [] };
        part.chunks.push(String(item.data ?? ''));
        parts.set(index, part);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return [...parts.values()].map((p) => ({ name: p.name, json: p.chunks.join('') }));
  }
}
