/**
 * The console's read models on the existing tables.
 *
 * messages table
 *   person log    pk 'PLOG#<sha256(profileId)>'  sk '<at>#<sha256(executionId|step|channel) 16 hex>'
 *                 profileId, at, channel, journey, step, executionId, variantId?, intent?, status,
 *                 reason?, expiresAt (ledger retention)
 *   outcome day   pk 'OUTCOMES'                   sk '<yyyy-mm-dd>#<channel>#<status>#<reason | ->'
 *                 n (ADD), expiresAt
 * control table
 *   events day    pk 'EVENTS_PER_DAY'             sk '<yyyy-mm-dd>#<shard 0–7>'   n (ADD), expiresAt
 * journeys table
 *   customers day pk 'KPI'                        sk 'CUSTOMERS#<yyyy-mm-dd>'   customers, repeatCustomers (ADD)
 * models table
 *   evaluation    pk 'MONITOR#<model>'            sk 'EVAL#<yyyy-mm-dd>'   (monitor-models' output, read here)
 *
 * The log item is put only if absent, and the day's counter is added to only after it: a retried
 * invocation of the same decision (same time, execution, step and channel) is logged and counted
 * once. The events counter is spread over 8 items a day so a busy ingest does not hold one hot item.
 */
import { createHash } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PersonMessage } from '../../api/people.js';
import type {
  CustomerCounters,
  EventDayCounter,
  MessageOutcome,
  MessageOutcomeLog,
  ModelEvaluation,
  ModelMonitorReader,
  OutcomeCount,
  OutcomeCounters,
  PersonMessageLog,
} from '../../ports/activity.js';
import { isConditionalCheckFailed } from './conditions.js';
import { queryAll } from './query.js';

interface Options {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
/** The day after `day`, so `sk < next` covers every item of `day`. */
const after = (day: string) => `${day}#\uffff`;

/** The per-person message log and the daily outcome counters (messages table). */
export class DynamoDbMessageOutcomeLog implements MessageOutcomeLog, PersonMessageLog, OutcomeCounters {
  constructor(private readonly options: Options & { readonly retentionDays: number }) {}

  async record(o: MessageOutcome): Promise<void> {
    const expiresAt = epoch(o.at) + this.options.retentionDays * 86_400;
    const decision = sha256(`${o.executionId}|${o.step}|${o.channel}`).slice(0, 16);
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: `PLOG#${sha256(o.profileId)}`,
            sk: `${new Date(o.at).toISOString()}#${decision}`,
            ...o,
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) return; // a retry: already counted
      throw err;
    }
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: {
          pk: 'OUTCOMES',
          sk: `${o.at.slice(0, 10)}#${o.channel}#${o.status}#${o.reason ?? '-'}`,
        },
        UpdateExpression: 'ADD n :one SET expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeValues: { ':one': 1, ':exp': expiresAt },
      }),
    );
  }

  async listByPerson(profileId: string, limit: number): Promise<PersonMessage[]> {
    const out = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PLOG#${sha256(profileId)}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({
      at: String(i.at),
      channel: String(i.channel),
      status: String(i.status),
      ...(str(i.journey) ? { journey: str(i.journey) } : {}),
      ...(str(i.step) ? { step: str(i.step) } : {}),
      ...(str(i.executionId) ? { executionId: str(i.executionId) } : {}),
      ...(str(i.intent) ? { intent: str(i.intent) } : {}),
      ...(str(i.variantId) ? { variantId: str(i.variantId) } : {}),
      ...(str(i.reason) ? { reason: str(i.reason) } : {}),
    }));
  }

  async counts(fromDay: string, toDay: string): Promise<OutcomeCount[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'OUTCOMES', ':from': fromDay, ':to': after(toDay) },
    });
    return items.flatMap((i) => {
      const [day, channel, status, reason] = String(i.sk).split('#');
      if (!day || !channel || !status) return [];
      return [{ day, channel, status, ...(reason && reason !== '-' ? { reason } : {}), count: num(i.n) }];
    });
  }
}

/** Accepted events per day (control table). */
export class DynamoDbEventDayCounter implements EventDayCounter {
  constructor(
    private readonly options: Options & { readonly shards?: number; readonly random?: () => number },
  ) {}

  async add(day: string, count: number): Promise<void> {
    const shards = this.options.shards ?? 8;
    const shard = Math.floor((this.options.random ?? Math.random)() * shards);
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: 'EVENTS_PER_DAY', sk: `${day}#${shard}` },
        UpdateExpression: 'ADD n :n SET expiresAt = if_not_exists(expiresAt, :exp)',
        // Kept 90 days: the chart shows 30.
        ExpressionAttributeValues: { ':n': count, ':exp': epoch(`${day}T00:00:00Z`) + 90 * 86_400 },
      }),
    );
  }

  async counts(fromDay: string, toDay: string): Promise<Record<string, number>> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'EVENTS_PER_DAY', ':from': fromDay, ':to': after(toDay) },
    });
    const out: Record<string, number> = {};
    for (const i of items) {
      const day = String(i.sk).slice(0, 10);
      out[day] = (out[day] ?? 0) + num(i.n);
    }
    return out;
  }
}

/** Measurement's customer counters (journeys table): totals and the per-day increments. */
export class DynamoDbCustomerCounters implements CustomerCounters {
  constructor(private readonly options: Options) {}

  async totals(): Promise<{ customers: number; repeatCustomers: number }> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: 'KPI', sk: 'CUSTOMERS' } }),
    );
    return { customers: num(out.Item?.customers), repeatCustomers: num(out.Item?.repeatCustomers) };
  }

  async daily(fromDay: string, toDay: string) {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': 'KPI',
        ':from': `CUSTOMERS#${fromDay}`,
        ':to': `CUSTOMERS#${toDay}`,
      },
    });
    const out: Record<string, { customers: number; repeatCustomers: number }> = {};
    for (const i of items) {
      out[String(i.sk).slice('CUSTOMERS#'.length)] = {
        customers: num(i.customers),
        repeatCustomers: num(i.repeatCustomers),
      };
    }
    return out;
  }
}

/** The latest evaluation monitor-models recorded for a model (models table). */
export class DynamoDbModelMonitorReader implements ModelMonitorReader {
  constructor(private readonly options: Options) {}

  async latest(model: string): Promise<ModelEvaluation | undefined> {
    const out = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :eval)',
        ExpressionAttributeValues: { ':pk': `MONITOR#${model}`, ':eval': 'EVAL#' },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const i = out.Items?.[0];
    if (!i) return undefined;
    return {
      model,
      day: String(i.sk).slice('EVAL#'.length),
      ...(str(i.version) ? { version: str(i.version) } : {}),
      drift: i.drift === true,
      reasons: Array.isArray(i.reasons) ? i.reasons.map(String) : [],
    };
  }
}
