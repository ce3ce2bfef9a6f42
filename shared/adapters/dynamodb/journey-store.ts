/**
 * The journeys table (env JOURNEYS_TABLE). Item layouts:
 *
 *   waiting token   pk 'WAIT#<profileId>#<event>'       sk '<executionId>#<step>'
 *                   token, journey, executionId, step, keyProperty?, keyValue?, until, expiresAt (until + 1 day)
 *   occurrence      pk 'OCC#<profileId>#<event>'        sk '<at ISO, normalised>#<eventId>'
 *                   eventId, at, keys (map of ids), facts (map of numbers/booleans), expiresAt (at + retention),
 *                   handledAt (set once its waits were resumed: a redelivery then acts no more)
 *   assignment      pk 'ASSIGN#<journey>'               sk '<executionName>'
 *                   profileId, entryKey, arm, reason, experiment, started, at, expiresAt (audit retention)
 *   decision        pk 'DECISION#<profileId>'           sk '<at>#<decisionId>'
 *                   decisionId, journey, step, executionId, at, explanation (map), expiresAt (audit retention)
 *   bandit arm      pk 'BANDIT#<journey>#<step>'        sk '<variantId>'
 *                   exposures, conversions (atomic ADD counters; no expiry)
 *   merge alias     pk 'MERGED#<loser profileId>'       sk 'WINNER'
 *                   winner, at, expiresAt (audit retention)
 *
 * Profile ids are Feltfit's opaque ids, never contact identifiers. Tokens and occurrences are read
 * with one Query per (profile, event) and filtered on the key in code: a profile waits on few carts
 * at once. Writes are idempotent (same keys on redelivery), except the counters.
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
import type { ArmStats } from '../../domain/experiments/bandit.js';
import type {
  AssignmentRecord,
  Assignments,
  BanditStats,
  DecisionLog,
  DecisionRecord,
  EventOccurrence,
  EventOccurrences,
  MergeAliases,
  WaitingToken,
  WaitTokens,
} from '../../ports/journeys.js';
import { isConditionalCheckFailed } from './conditions.js';
import { countExposure, exposurePut } from './measurement-store.js';
import { queryAll } from './query.js';

const DAY = 86_400;
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
/** ISO instants compare as strings only in one format: always `toISOString()`. */
export const normaliseIso = (iso: string) => new Date(Date.parse(iso)).toISOString();

interface Options {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** Waiting task tokens by (profile, event, key). */
export class DynamoDbWaitTokens implements WaitTokens {
  constructor(private readonly options: Options) {}

  private key(t: Pick<WaitingToken, 'profileId' | 'event' | 'executionId' | 'step'>) {
    return { pk: `WAIT#${t.profileId}#${t.event}`, sk: `${t.executionId}#${t.step}` };
  }

  async put(token: WaitingToken): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...this.key(token),
          // Erasure finds a person's items through the byProfile index on this attribute.
          profileId: token.profileId,
          token: token.token,
          journey: token.journey,
          executionId: token.executionId,
          step: token.step,
          ...(token.key ? { keyProperty: token.key.property, keyValue: token.key.value } : {}),
          until: token.until,
          ...(token.since ? { since: token.since } : {}),
          expiresAt: epoch(token.until) + DAY,
        },
      }),
    );
  }

  async matching(
    profileId: string,
    event: string,
    keys: Readonly<Record<string, string>>,
  ): Promise<WaitingToken[]> {
    return (await this.waitingFor(profileId, event)).filter(
      (t) => t.key === undefined || keys[t.key.property] === t.key.value,
    );
  }

  async waitingFor(profileId: string, event: string): Promise<WaitingToken[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `WAIT#${profileId}#${event}` },
    });
    return items.map((i) => ({
      profileId,
      event,
      ...(i.keyProperty !== undefined
        ? { key: { property: String(i.keyProperty), value: String(i.keyValue) } }
        : {}),
      journey: String(i.journey),
      executionId: String(i.executionId),
      step: String(i.step),
      token: String(i.token),
      until: String(i.until),
      ...(typeof i.since === 'string' ? { since: i.since } : {}),
    }));
  }

  async delete(token: WaitingToken): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: this.key(token) }),
    );
  }
}

/** Which profile a merged-away profile now lives in (written on ProfilesMerged). */
export class DynamoDbMergeAliases implements MergeAliases {
  constructor(private readonly options: Options & { readonly retentionDays: number }) {}

  async record(loser: string, winner: string, at: string): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `MERGED#${loser}`,
          sk: 'WINNER',
          winner,
          at,
          expiresAt: epoch(at) + this.options.retentionDays * DAY,
        },
      }),
    );
  }

  async mergedInto(profileId: string): Promise<string | undefined> {
    // A chain (a merged into b, b later into c) is followed a few hops; cycles cannot form (a loser
    // never wins again) but are cut anyway.
    let id = profileId;
    const seen = new Set([id]);
    for (let hop = 0; hop < 5; hop++) {
      const out = await this.options.client.send(
        new GetCommand({ TableName: this.options.tableName, Key: { pk: `MERGED#${id}`, sk: 'WINNER' } }),
      );
      const winner = out.Item?.winner;
      if (typeof winner !== 'string' || seen.has(winner)) break;
      seen.add(winner);
      id = winner;
    }
    return id === profileId ? undefined : id;
  }
}

/** Occurrences of waited-for and exit events. */
export class DynamoDbEventOccurrences implements EventOccurrences {
  constructor(private readonly options: Options & { readonly retentionDays: number }) {}

  async record(o: EventOccurrence): Promise<'recorded' | 'duplicate'> {
    const at = normaliseIso(o.at);
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...this.key(o),
            profileId: o.profileId,
            eventId: o.eventId,
            at,
            keys: o.keys,
            facts: o.facts,
            expiresAt: epoch(at) + this.options.retentionDays * DAY,
          },
          // A redelivery before the first delivery finished overwrites the same item; after it, no.
          ConditionExpression: 'attribute_not_exists(handledAt)',
        }),
      );
      return 'recorded';
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'duplicate';
      throw err;
    }
  }

  async markHandled(o: EventOccurrence): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.key(o),
        UpdateExpression: 'SET handledAt = :now',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
  }

  private key(o: EventOccurrence) {
    return { pk: `OCC#${o.profileId}#${o.event}`, sk: `${normaliseIso(o.at)}#${o.eventId}` };
  }

  async occurredSince(
    profileId: string,
    event: string,
    key: { readonly property: string; readonly value: string } | undefined,
    since: string,
    excludingEventId?: string,
  ): Promise<EventOccurrence | undefined> {
    const matches = (i: Record<string, unknown>) =>
      (!key || (i.keys as Record<string, unknown> | undefined)?.[key.property] === key.value) &&
      (excludingEventId === undefined || i.eventId !== excludingEventId);
    const items = await queryAll(
      this.options,
      {
        KeyConditionExpression: 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': `OCC#${profileId}#${event}`, ':since': normaliseIso(since) },
      },
      { stop: matches },
    );
    const hit = items.find(matches);
    if (!hit) return undefined;
    return {
      profileId,
      event,
      eventId: String(hit.eventId),
      at: String(hit.at),
      keys: (hit.keys ?? {}) as Record<string, string>,
      facts: (hit.facts ?? {}) as Record<string, number | boolean>,
    };
  }
}

/**
 * Assignments recorded at journey entry, with measurement's exposure index item in the same
 * transaction and the exposure counters after it: a redelivered trigger (same execution name)
 * records and counts nothing twice.
 */
export class DynamoDbAssignments implements Assignments {
  constructor(private readonly options: Options & { readonly retentionDays: number }) {}

  async record(a: AssignmentRecord): Promise<void> {
    const expiresAt = epoch(a.at) + this.options.retentionDays * DAY;
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.options.tableName,
                Item: { pk: `ASSIGN#${a.journey}`, sk: a.executionName, ...a, expiresAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            exposurePut(this.options.tableName, a, expiresAt),
          ],
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err, 0)) return;
      throw err;
    }
    // Counted once the assignment is known to be new. A failure here leaves the counters one short
    // (the exposure record stays; `countersFrom` rebuilds them).
    await countExposure(this.options.client, this.options.tableName, a);
  }

  /** Assignments of a journey (measurement, tests). */
  async list(journey: string): Promise<AssignmentRecord[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ASSIGN#${journey}` },
    });
    return items.map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as unknown as AssignmentRecord);
  }
}

/** Decision explanations by profile. */
export class DynamoDbDecisionLog implements DecisionLog {
  constructor(private readonly options: Options & { readonly retentionDays: number }) {}

  async record(d: DecisionRecord): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: `DECISION#${d.profileId}`,
          sk: `${normaliseIso(d.at)}#${d.decisionId}`,
          ...d,
          expiresAt: epoch(d.at) + this.options.retentionDays * DAY,
        },
      }),
    );
  }

  async listByProfile(profileId: string, limit: number): Promise<DecisionRecord[]> {
    const out = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `DECISION#${profileId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(
      ({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as unknown as DecisionRecord,
    );
  }
}

/** Bandit counters per (journey, step, variant). */
export class DynamoDbBanditStats implements BanditStats {
  constructor(private readonly options: Options) {}

  async get(journey: string, step: string): Promise<Record<string, ArmStats>> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `BANDIT#${journey}#${step}` },
    });
    return Object.fromEntries(
      items.map((i) => [
        String(i.sk),
        { exposures: Number(i.exposures ?? 0), conversions: Number(i.conversions ?? 0) },
      ]),
    );
  }

  private async add(journey: string, step: string, variant: string, counter: 'exposures' | 'conversions') {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: `BANDIT#${journey}#${step}`, sk: variant },
        UpdateExpression: 'ADD #c :one',
        ExpressionAttributeNames: { '#c': counter },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  recordExposure(journey: string, step: string, variant: string): Promise<void> {
    return this.add(journey, step, variant, 'exposures');
  }

  recordConversion(journey: string, step: string, variant: string): Promise<void> {
    return this.add(journey, step, variant, 'conversions');
  }
}
