/**
 * Measurement records and counters on the journeys table (next to the assignments they count).
 *
 *   exposure        pk 'EXPOSURE#<profileId>'        sk '<at>#<executionName>'
 *                   journey, executionName, profileId, arm, experiment, at, expiresAt
 *   arm counters    pk 'STATS#<journey>'             sk 'ARM#<arm>'
 *                   exposures, conversions, revenue, revenueSq, margin, marginSq (ADD; no expiry)
 *   daily counters  pk 'STATS#<journey>'             sk 'DAY#<yyyy-mm-dd>#<arm>'   exposures, conversions
 *   credit total    pk 'CREDIT#<executionName>'      sk 'TOTAL'    revenue, margin, ids (string set)
 *   credit record   pk 'CREDIT#<executionName>'      sk 'CONV#<conversionId>'   journey, arm, at, revenue, margin
 *   attribution     pk 'ATTRIB'                      sk '<journey>#<step>#<channel>'   conversions, revenue (ADD)
 *   attributed      pk 'CONVERSION#<profileId>'      sk '<at>#<conversionId>'   touch (map) or none
 *   cohort          pk 'COHORT#<journey>'            sk '<trait>#<value>'   exposures, sends, offers, discountSum, conversions (ADD)
 *   customers       pk 'KPI'                         sk 'CUSTOMERS'   customers, repeatCustomers (ADD)
 *   customers a day pk 'KPI'                         sk 'CUSTOMERS#<yyyy-mm-dd>'   the same, added that day
 *   customer step   pk 'CUSTOMER#<profileId>'        sk 'ORDERS#<1|2>'   (conditional: counts once)
 *
 * An exposure is indexed in the assignment's own transaction (DynamoDbAssignments) and then counted
 * with plain updates, so a redelivered trigger counts once; counters are never in a transaction
 * (hot items: concurrent transactions on one item are cancelled). A conversion is credited to an exposure once per conversion id (a condition on
 * the total's id set); the arm counters then take the revenue and the change of the recipient's
 * squared total. A crash between the two leaves the counters short: `countersFrom` rebuilds them from
 * the exposure and credit records.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SEND_TIME_EXPERIMENT } from '../../domain/experiments/send-time.js';
import type { JourneyDefinition } from '../../domain/journeys/definition.js';
import type {
  AttributionLog,
  Conversion,
  ConversionLedger,
  CreditOutcome,
  Exposure,
  ExposureIndex,
  IncentiveSource,
  lastTouch,
  Touch,
  TouchChannel,
  TouchSource,
} from '../../domain/measurement/conversions.js';
import {
  type AttributionCounters,
  type CohortCounters,
  type CreditedConversion,
  countersFrom,
  type JourneyCounters,
  minutesBetween,
  type ReportInput,
} from '../../domain/measurement/report.js';
import type { PressureSend } from '../../ports/channels.js';
import { isConditionalCheckFailed } from './conditions.js';
import { decodePressureSend } from './message-pressure.js';
import { queryAll } from './query.js';

const DAY_MS = 86_400_000;

interface Options {
  readonly client: DynamoDBDocumentClient;
  /** The journeys table. */
  readonly tableName: string;
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));

/** The exposure index item of one assignment (DynamoDbAssignments puts it in its transaction). */
export function exposurePut(tableName: string, e: Exposure, expiresAt: number) {
  return {
    Put: {
      TableName: tableName,
      Item: {
        pk: `EXPOSURE#${e.profileId}`,
        sk: `${new Date(Date.parse(e.at)).toISOString()}#${e.executionName}`,
        journey: e.journey,
        executionName: e.executionName,
        profileId: e.profileId,
        arm: e.arm,
        experiment: e.experiment,
        at: e.at,
        ...(e.cohort ? { cohort: e.cohort } : {}),
        expiresAt,
      },
    },
  };
}

/** Adds to a journey's counters of each cohort the exposure belongs to (`COHORT#<journey>`). */
async function addCohort(
  client: DynamoDBDocumentClient,
  tableName: string,
  journey: string,
  cohort: Readonly<Record<string, string>> | undefined,
  counts: Readonly<Record<string, number>>,
): Promise<void> {
  const names = Object.keys(counts).filter((k) => counts[k] !== 0);
  if (!cohort || names.length === 0) return;
  for (const [trait, value] of Object.entries(cohort)) {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `COHORT#${journey}`, sk: `${trait}#${value}` },
        UpdateExpression: `ADD ${names.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, counts[n]])),
      }),
    );
  }
}

/**
 * Adds one exposure to the arm's and the day's counters. Plain UpdateItems, never part of a
 * transaction: the counters are hot items, and DynamoDB cancels concurrent transactions on one item
 * (TransactionConflict) while it serialises plain updates.
 */
export async function countExposure(
  client: DynamoDBDocumentClient,
  tableName: string,
  e: Exposure,
): Promise<void> {
  const day = new Date(Date.parse(e.at)).toISOString().slice(0, 10);
  for (const sk of [`ARM#${e.arm}`, `DAY#${day}#${e.arm}`]) {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `STATS#${e.journey}`, sk },
        UpdateExpression: 'ADD exposures :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }
  await addCohort(client, tableName, e.journey, e.cohort, { exposures: 1 });
}

/** ExposureIndex, ConversionLedger, AttributionLog and the report's counters. */
export class DynamoDbMeasurementStore implements ExposureIndex, ConversionLedger, AttributionLog {
  constructor(private readonly options: Options & { readonly retentionDays: number }) {}

  private get table() {
    return this.options.tableName;
  }

  private expiresAt(at: string) {
    return Math.floor(Date.parse(at) / 1000) + this.options.retentionDays * 86_400;
  }

  async forProfile(profileId: string, since: string): Promise<Exposure[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: {
        ':pk': `EXPOSURE#${profileId}`,
        ':since': new Date(Date.parse(since)).toISOString(),
      },
    });
    return items.map((i) => ({
      journey: String(i.journey),
      executionName: String(i.executionName),
      profileId: String(i.profileId),
      arm: String(i.arm),
      experiment: typeof i.experiment === 'string' ? i.experiment : null,
      at: String(i.at),
      ...(i.cohort && typeof i.cohort === 'object' ? { cohort: i.cohort as Record<string, string> } : {}),
    }));
  }

  async credit(
    exposure: Exposure,
    conversion: Conversion,
    amounts: { readonly revenue: number; readonly margin: number },
  ): Promise<CreditOutcome> {
    let old: Record<string, unknown> | undefined;
    try {
      const out = await this.options.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `CREDIT#${exposure.executionName}`, sk: 'TOTAL' },
          UpdateExpression: 'ADD revenue :r, margin :m, ids :id SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(ids) OR NOT contains(ids, :cid)',
          ExpressionAttributeValues: {
            ':r': amounts.revenue,
            ':m': amounts.margin,
            ':id': new Set([conversion.conversionId]),
            ':cid': conversion.conversionId,
            ':exp': this.expiresAt(conversion.at),
          },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      old = out.Attributes;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return 'duplicate';
      throw err;
    }
    const first = old?.ids === undefined;
    const minutes = minutesBetween(exposure.at, conversion.at);
    const r0 = num(old?.revenue);
    const m0 = num(old?.margin);
    const { revenue: r, margin: m } = amounts;
    // Σx² over recipients changes by (x + r)² − x² when a recipient's total x grows by r.
    await this.options.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `CREDIT#${exposure.executionName}`,
          sk: `CONV#${conversion.conversionId}`,
          journey: exposure.journey,
          arm: exposure.arm,
          executionName: exposure.executionName,
          conversionId: conversion.conversionId,
          at: conversion.at,
          revenue: r,
          margin: m,
          expiresAt: this.expiresAt(conversion.at),
        },
      }),
    );
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `STATS#${exposure.journey}`, sk: `ARM#${exposure.arm}` },
        UpdateExpression:
          'ADD conversions :c, revenue :r, revenueSq :rq, margin :m, marginSq :mq, minutesToConv :d, minutesToConvSq :dq',
        ExpressionAttributeValues: {
          ':c': first ? 1 : 0,
          ':r': r,
          ':rq': 2 * r0 * r + r * r,
          ':m': m,
          ':mq': 2 * m0 * m + m * m,
          // Time to first value: whole minutes from the exposure to its first credited conversion.
          ':d': first ? minutes : 0,
          ':dq': first ? minutes * minutes : 0,
        },
      }),
    );
    if (first) {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `STATS#${exposure.journey}`, sk: `DAY#${conversion.at.slice(0, 10)}#${exposure.arm}` },
          UpdateExpression: 'ADD conversions :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    }
    if (first)
      await addCohort(this.options.client, this.table, exposure.journey, exposure.cohort, { conversions: 1 });
    return first ? 'first' : 'repeat';
  }

  /**
   * Counts a message the send path actually sent (and, for an offer, the offer and its discount) for
   * the execution's cohort. Called once per newly sent step, never for a ledger replay.
   */
  async countSend(
    journey: string,
    cohort: Readonly<Record<string, string>>,
    sent: { readonly offer: boolean; readonly discount: number },
  ): Promise<void> {
    await addCohort(this.options.client, this.table, journey, cohort, {
      sends: 1,
      offers: sent.offer ? 1 : 0,
      discountSum: sent.offer ? sent.discount : 0,
    });
  }

  /** Cohort counters of one journey. */
  async cohortCounters(journey: string): Promise<CohortCounters[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `COHORT#${journey}` },
    });
    return items.map((i) => {
      const sk = String(i.sk);
      const cut = sk.indexOf('#');
      return {
        journey,
        trait: sk.slice(0, cut),
        value: sk.slice(cut + 1),
        exposures: num(i.exposures),
        sends: num(i.sends),
        offers: num(i.offers),
        discountSum: num(i.discountSum),
        conversions: num(i.conversions),
      };
    });
  }

  async record(conversion: Conversion, touch: ReturnType<typeof lastTouch>): Promise<void> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `CONVERSION#${conversion.profileId}`,
            sk: `${new Date(Date.parse(conversion.at)).toISOString()}#${conversion.conversionId}`,
            conversionId: conversion.conversionId,
            at: conversion.at,
            revenue: conversion.revenue,
            touch: touch
              ? {
                  messageId: touch.messageId,
                  journey: touch.journey,
                  step: touch.step,
                  channel: touch.channel,
                  via: touch.via,
                  touchedAt: new Date(touch.touchedAt).toISOString(),
                  ...(touch.variantId ? { variantId: touch.variantId } : {}),
                }
              : null,
            expiresAt: this.expiresAt(conversion.at),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) return; // redelivery: counted already
      throw err;
    }
    const key = touch ? `${touch.journey}#${touch.step}#${touch.channel}` : 'none#none#none';
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'ATTRIB', sk: key },
        UpdateExpression: 'ADD conversions :one, revenue :r',
        ExpressionAttributeValues: { ':one': 1, ':r': conversion.revenue },
      }),
    );
  }

  /**
   * Counts a customer's first and second order once each (the repeat-purchase north star), in the
   * totals and in the day's increments (`CUSTOMERS#<day>`, by the order's time `at`, default now),
   * from which the console draws the north star's trend.
   */
  async countCustomer(profileId: string, orderCount: number, at?: string): Promise<void> {
    if (orderCount !== 1 && orderCount !== 2) return;
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `CUSTOMER#${profileId}`, sk: `ORDERS#${orderCount}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) return;
      throw err;
    }
    const day = new Date(at && Number.isFinite(Date.parse(at)) ? at : Date.now()).toISOString().slice(0, 10);
    for (const sk of ['CUSTOMERS', `CUSTOMERS#${day}`]) {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: 'KPI', sk },
          UpdateExpression: 'ADD #c :one',
          ExpressionAttributeNames: { '#c': orderCount === 1 ? 'customers' : 'repeatCustomers' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    }
  }

  /** The counters of one journey. */
  async journeyCounters(journey: string): Promise<JourneyCounters> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `STATS#${journey}` },
    });
    const arms: Record<string, JourneyCounters['arms'][string]> = {};
    const daily: { day: string; arm: string; exposures: number; conversions: number }[] = [];
    for (const i of items) {
      const sk = String(i.sk);
      if (sk.startsWith('ARM#')) {
        arms[sk.slice(4)] = {
          exposures: num(i.exposures),
          conversions: num(i.conversions),
          revenue: { sum: num(i.revenue), sumSquares: num(i.revenueSq) },
          margin: { sum: num(i.margin), sumSquares: num(i.marginSq) },
          minutesToConversion: { sum: num(i.minutesToConv), sumSquares: num(i.minutesToConvSq) },
        };
      } else if (sk.startsWith('DAY#')) {
        const [, day, arm] = /^DAY#(\d{4}-\d{2}-\d{2})#(.+)$/.exec(sk) ?? [];
        if (day && arm)
          daily.push({ day, arm, exposures: num(i.exposures), conversions: num(i.conversions) });
      }
    }
    return { journey, arms, daily };
  }

  /** Everything the report needs, for the deployed journeys. */
  async reportInput(journeys: readonly JourneyDefinition[], now: Date): Promise<ReportInput> {
    // The deployed journeys, and the send-time holdout (an experiment across journeys' send waits).
    const ids = [...journeys.map((j) => j.id), SEND_TIME_EXPERIMENT];
    const counters = await Promise.all(ids.map((id) => this.journeyCounters(id)));
    const attribution = (
      await queryAll(this.options, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ATTRIB' },
      })
    ).map((i): AttributionCounters => {
      const [journey = 'none', step = 'none', channel = 'none'] = String(i.sk).split('#');
      return {
        journey,
        step,
        channel: channel as AttributionCounters['channel'],
        conversions: num(i.conversions),
        revenue: num(i.revenue),
      };
    });
    const kpi = await this.options.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: 'KPI', sk: 'CUSTOMERS' } }),
    );
    const cohorts = (await Promise.all(journeys.map((j) => this.cohortCounters(j.id)))).flat();
    return {
      generatedAt: now.toISOString(),
      journeys: counters.filter((c) => Object.keys(c.arms).length > 0),
      ...(cohorts.length > 0 ? { cohorts } : {}),
      attribution,
      customers: { customers: num(kpi.Item?.customers), repeatCustomers: num(kpi.Item?.repeatCustomers) },
    };
  }

  /** The exposures (assignment records, every arm) of one journey or experiment. */
  async exposuresOf(journey: string): Promise<Exposure[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ASSIGN#${journey}` },
    });
    return items.map((i) => ({
      journey,
      executionName: String(i.sk),
      profileId: String(i.profileId),
      arm: String(i.arm),
      experiment: typeof i.experiment === 'string' ? i.experiment : null,
      at: String(i.at),
    }));
  }

  /**
   * The counters rebuilt from the raw records (`countersFrom` over the assignments and their credit
   * records) for the deployed journeys and the send-time experiment: one Query per journey and one
   * per exposure, `concurrency` at a time. What `feltfit report --recompute` reads.
   */
  async recomputedCounters(
    journeys: readonly JourneyDefinition[],
    concurrency = 16,
  ): Promise<JourneyCounters[]> {
    const ids = [...journeys.map((j) => j.id), SEND_TIME_EXPERIMENT];
    const exposures = (await Promise.all(ids.map((id) => this.exposuresOf(id)))).flat();
    const credits: CreditedConversion[] = [];
    for (let i = 0; i < exposures.length; i += concurrency) {
      const batch = exposures.slice(i, i + concurrency);
      for (const list of await Promise.all(batch.map((e) => this.creditsOf(e.executionName))))
        credits.push(...list);
    }
    return countersFrom(exposures, credits);
  }

  /** The credit records of one exposure (recomputation). */
  async creditsOf(executionName: string): Promise<CreditedConversion[]> {
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: { ':pk': `CREDIT#${executionName}`, ':c': 'CONV#' },
    });
    return items.map((i) => ({
      executionName,
      conversionId: String(i.conversionId),
      at: String(i.at),
      revenue: num(i.revenue),
      margin: num(i.margin),
    }));
  }
}

/** Marketing messages from the contact-pressure log and the send ledger (messages table). */
export class DynamoDbTouchSource implements TouchSource {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly messagesTable: string;
      /** Sends older than this are not read (the longest attribution window). */
      readonly maxAgeDays: number;
      readonly now?: () => number;
    },
  ) {}

  async recent(profileId: string): Promise<Touch[]> {
    const { client, messagesTable } = this.options;
    const out = await client.send(
      new QueryCommand({
        TableName: messagesTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `PRESSURE#${profileId}` },
      }),
    );
    const oldest = (this.options.now ?? Date.now)() - this.options.maxAgeDays * DAY_MS;
    const sends = (out.Items ?? []).flatMap((item) =>
      [...((item.s as Iterable<string> | undefined) ?? [])]
        .map(decodePressureSend)
        .filter((send): send is PressureSend => send !== undefined && send.at >= oldest),
    );
    const touches = await Promise.all(
      sends.map(async ({ at, messageId }): Promise<Touch | undefined> => {
        const index = await client.send(
          new GetCommand({ TableName: messagesTable, Key: { pk: `MSG#${messageId}`, sk: 'MSG' } }),
        );
        if (!index.Item) return undefined;
        const step = String(index.Item.step);
        const channel = String(index.Item.channel) as TouchChannel;
        const executionId = String(index.Item.executionId);
        const ledger = await client.send(
          new GetCommand({
            TableName: messagesTable,
            Key: { pk: `LEDGER#${executionId}`, sk: `${step}#${channel}` },
          }),
        );
        const entry = ledger.Item;
        if (entry?.st !== 'sent') return undefined;
        const ev = (entry.ev ?? {}) as Record<string, string>;
        const clicked = ev.clicked ?? ev.click;
        return {
          messageId,
          channel,
          journey: String(entry.journey),
          step,
          executionId,
          ...(typeof entry.variantId === 'string' ? { variantId: entry.variantId } : {}),
          sentAt: at,
          ...(clicked ? { clickedAt: Date.parse(clicked) } : {}),
        };
      }),
    );
    return touches.filter((t): t is Touch => t !== undefined);
  }
}

/** Discounts from the decisions recorded for an exposure's execution, priced from the journey definitions. */
export class DecisionIncentives implements IncentiveSource {
  constructor(private readonly options: Options & { readonly journeys: readonly JourneyDefinition[] }) {}

  async discountFor(exposure: Exposure): Promise<number> {
    const journey = this.options.journeys.find((j) => j.id === exposure.journey);
    const offers = new Map<string, number>();
    for (const step of journey?.steps ?? []) {
      if (step.type !== 'decide') continue;
      for (const c of step.candidates) if (c.kind === 'offer' && c.discount) offers.set(c.id, c.discount);
    }
    if (offers.size === 0) return 0;
    const items = await queryAll(this.options, {
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: {
        ':pk': `DECISION#${exposure.profileId}`,
        ':since': new Date(Date.parse(exposure.at)).toISOString(),
      },
    });
    let discount = 0;
    for (const i of items) {
      if (!String(i.executionId ?? '').endsWith(`:${exposure.executionName}`)) continue;
      const chosen = (i.explanation as { chosen?: { candidate?: string | null } } | undefined)?.chosen;
      const d = chosen?.candidate ? offers.get(chosen.candidate) : undefined;
      if (d !== undefined && d > discount) discount = d;
    }
    return discount;
  }
}
