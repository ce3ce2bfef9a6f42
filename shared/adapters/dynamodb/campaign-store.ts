/**
 * Audiences and campaign runs on the journeys table (docs/data-model.md):
 *
 *   pk 'AUDIENCES'              sk 'AUDIENCE#<id>'     a saved audience: name, description, rule, who, when
 *   pk 'CAMPAIGN_RUNS'          sk 'RUN#<runId>'       the run record written at launch
 *   pk 'CAMPAIGN_RUN#<runId>'   sk 'PAGE#<hash>'       one campaign-run page: the execution names it
 *                                                      requested (no profile ids) and profiles scanned
 *
 * Saved audiences and run records are few (a team's worth), so each kind shares one partition and
 * lists with one Query. The progress side also reads start-journey's assignments
 * (`ASSIGN#<journey>` / `<executionName>`) and the send ledger on the messages table
 * (`LEDGER#<executionArn>`).
 */
import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AudienceStore, SavedAudience } from '../../domain/campaigns/audiences.js';
import type { AssignmentLookup, LedgerLookup, RunRecord, RunStore } from '../../domain/campaigns/runs.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { RunMembers } from '../../domain/journeys/campaign.js';
import { isConditionalCheckFailed } from './conditions.js';
import { queryAll } from './query.js';

type Options = { readonly client: DynamoDBDocumentClient; readonly tableName: string };

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

/** Every item under one partition key. */
const queryPartition = (o: Options, pk: string) =>
  queryAll(o, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });

export class DynamoDbAudienceStore implements AudienceStore {
  constructor(private readonly o: Options) {}

  async list(): Promise<SavedAudience[]> {
    const items = await queryPartition(this.o, 'AUDIENCES');
    return items.map((i) => strip<SavedAudience>(i)!).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(id: string): Promise<SavedAudience | undefined> {
    const out = await this.o.client.send(
      new GetCommand({ TableName: this.o.tableName, Key: { pk: 'AUDIENCES', sk: `AUDIENCE#${id}` } }),
    );
    return strip<SavedAudience>(out.Item);
  }

  async create(a: SavedAudience): Promise<boolean> {
    try {
      await this.o.client.send(
        new PutCommand({
          TableName: this.o.tableName,
          Item: { pk: 'AUDIENCES', sk: `AUDIENCE#${a.id}`, ...a },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async delete(id: string): Promise<boolean> {
    const out = await this.o.client.send(
      new DeleteCommand({
        TableName: this.o.tableName,
        Key: { pk: 'AUDIENCES', sk: `AUDIENCE#${id}` },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes !== undefined;
  }
}

const pageKey = (cursor: string) =>
  `PAGE#${createHash('sha256').update(cursor, 'utf8').digest('hex').slice(0, 24)}`;

/** Run records and the campaign-run pages' member records. */
export class DynamoDbRunStore implements RunStore, RunMembers {
  constructor(private readonly o: Options) {}

  async create(run: RunRecord): Promise<boolean> {
    try {
      await this.o.client.send(
        new PutCommand({
          TableName: this.o.tableName,
          Item: { pk: 'CAMPAIGN_RUNS', sk: `RUN#${run.runId}`, ...run },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const out = await this.o.client.send(
      new GetCommand({ TableName: this.o.tableName, Key: { pk: 'CAMPAIGN_RUNS', sk: `RUN#${runId}` } }),
    );
    return strip<RunRecord>(out.Item);
  }

  async list(limit: number): Promise<RunRecord[]> {
    const items = await queryPartition(this.o, 'CAMPAIGN_RUNS');
    return items
      .map((i) => strip<RunRecord>(i)!)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit);
  }

  async members(runId: string): Promise<{ executions: string[]; scanned: number; pages: number }> {
    const items = await queryPartition(this.o, `CAMPAIGN_RUN#${runId}`);
    const executions = new Set<string>();
    let scanned = 0;
    for (const i of items) {
      for (const e of (i.executions as string[] | undefined) ?? []) executions.add(e);
      scanned += typeof i.scanned === 'number' ? i.scanned : 0;
    }
    return { executions: [...executions], scanned, pages: items.length };
  }

  async recordPage(
    runId: string,
    page: { readonly cursor: string; readonly executions: readonly string[]; readonly scanned: number },
  ): Promise<void> {
    await this.o.client.send(
      new PutCommand({
        TableName: this.o.tableName,
        Item: {
          pk: `CAMPAIGN_RUN#${runId}`,
          sk: pageKey(page.cursor),
          executions: [...page.executions],
          scanned: page.scanned,
          at: new Date().toISOString(),
        },
      }),
    );
  }
}

/** Start-journey's assignments by execution name (BatchGet, 100 keys a request). */
export class DynamoDbAssignmentLookup implements AssignmentLookup {
  constructor(private readonly o: Options) {}

  async get(
    journey: string,
    executionNames: readonly string[],
  ): Promise<Map<string, { arm: string; started: boolean }>> {
    const out = new Map<string, { arm: string; started: boolean }>();
    for (let i = 0; i < executionNames.length; i += 100) {
      let keys: Record<string, unknown>[] = executionNames
        .slice(i, i + 100)
        .map((n) => ({ pk: `ASSIGN#${journey}`, sk: n }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > 8) throw new DependencyUnavailableError('DynamoDB left assignment keys unprocessed');
        const res = await this.o.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.o.tableName]: {
                Keys: keys,
                ProjectionExpression: '#sk, #arm, #started',
                ExpressionAttributeNames: { '#sk': 'sk', '#arm': 'arm', '#started': 'started' },
              },
            },
          }),
        );
        for (const item of res.Responses?.[this.o.tableName] ?? [])
          out.set(String(item.sk), { arm: String(item.arm), started: item.started === true });
        keys = (res.UnprocessedKeys?.[this.o.tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    return out;
  }
}

/** The send ledger's entries of an execution (status and reason only: no contact data is read). */
export class DynamoDbLedgerLookup implements LedgerLookup {
  constructor(private readonly o: Options) {}

  async outcomes(executionArn: string): Promise<{ status: string; reason?: string }[]> {
    const out = await this.o.client.send(
      new QueryCommand({
        TableName: this.o.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `LEDGER#${executionArn}` },
        ProjectionExpression: '#st, #reason',
        ExpressionAttributeNames: { '#st': 'st', '#reason': 'reason' },
      }),
    );
    return (out.Items ?? []).map((i) => ({
      status: String(i.st),
      ...(typeof i.reason === 'string' ? { reason: i.reason } : {}),
    }));
  }
}
