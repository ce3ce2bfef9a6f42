/**
 * Profile projector benchmark (figures only). In one run, on one DynamoDB Local: an ingest baseline
 * (the same raw events written through the ingest event-store adapter) and the projection of those
 * events through the real projection code and DynamoDB adapter, in stream batches of 100; the read and
 * write units each consumes (every request asks DynamoDB for ConsumedCapacity); the domain events
 * written to outboxes; and the AWS cost per million events of ingest + projection + outbox publishing.
 * Two workloads: shopping sessions delivered person by person (as a backfill or a burst of sessions),
 * and the demo store's realistic mix (mostly views, few orders) in event-time order, as live traffic
 * interleaves people. Then the time to project a replay of BENCH_REPLAY events (default 100,000).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PROJECTOR_STREAM } from '../../infra/constructs/profiles.js';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventStore, personKey } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoDbRawEventEraser } from '../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { TABLES } from '../../shared/adapters/dynamodb/tables.js';
import { billedEvents, domainEventEntries } from '../../shared/adapters/eventbridge/domain-events.js';
import { PRICES_USD } from '../../shared/config/prices.js';
import { defaultProfilesConfig } from '../../shared/config/profiles.js';
import { demoStream } from '../../shared/domain/demo/store.js';
import type { NormalisedMessage } from '../../shared/domain/ingest/schemas.js';
import { type ProjectionInput, projectEvents } from '../../shared/domain/profiles/project.js';
import type { OutboxEvent } from '../../shared/ports/domain-events.js';
import { testHasher } from '../support/hasher.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 500);
const DEMO_PEOPLE = Number(process.env.BENCH_DEMO_PEOPLE ?? 250);
const REPLAY = Number(process.env.BENCH_REPLAY ?? 100_000);
const EVENTS_PER_PERSON = 10;
/** Messages per ingest request (a Segment SDK's batch). */
const INGEST_BATCH = 100;
/** Records per invocation of the outbox publisher (its mapping, infra/constructs/profiles.ts). */
const PUBLISHER_BATCH = 100;
/** Stream batch sizes of the projector to compare (the first is its mapping's; BENCH_BATCHES overrides). */
const PROJECTOR_BATCHES = (process.env.BENCH_BATCHES ?? `${PROJECTOR_STREAM.batchSize},100`)
  .split(',')
  .map(Number);

/** A plausible shopping session: browse, add to cart, identify, checkout, order. */
function session(p: number, start: number): NormalisedMessage[] {
  const anonymousId = `anon-${p}`;
  const userId = `user-${p}`;
  const at = (i: number) => new Date(start + p * 1000 + i * 60_000).toISOString();
  const base = (i: number) => ({
    messageId: randomUUID(),
    timestamp: at(i),
    receivedAt: at(i),
    sourceId: 'web',
  });
  const track = (
    i: number,
    event: string,
    properties: Record<string, unknown>,
    ids: object = { anonymousId },
  ) => ({ ...base(i), type: 'track', event, properties, ...ids }) as NormalisedMessage;
  return [
    track(0, 'Product Viewed', { product_id: `sku-${p % 50}`, category: 'Knitwear' }),
    track(1, 'Product Viewed', { product_id: `sku-${(p + 1) % 50}`, category: 'Knitwear' }),
    track(2, 'Size Guide Viewed', {}),
    track(3, 'Product Added', { cart_id: `cart-${p}`, product_id: `sku-${p % 50}`, price: 89, quantity: 1 }),
    {
      ...base(4),
      type: 'identify',
      userId,
      anonymousId,
      traits: { email: `person${p}@example.com`, firstName: 'Sam' },
      context: { consent: { categoryPreferences: { email: true } } },
    } as NormalisedMessage,
    track(5, 'Checkout Started', { cart_id: `cart-${p}`, value: 89 }, { userId, anonymousId }),
    track(6, 'Order Completed', { order_id: `o-${p}`, cart_id: `cart-${p}`, revenue: 89 }, { userId }),
    track(7, 'Ticket Opened', { ticket_id: `t-${p}` }, { userId }),
    track(8, 'Ticket Resolved', { ticket_id: `t-${p}` }, { userId }),
    track(9, 'NPS Submitted', { score: 9 }, { userId }),
  ];
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Sessions of `people` people, person by person. */
function sessions(people: number, offset = 0): NormalisedMessage[] {
  return Array.from({ length: people }, (_, p) =>
    session(p + offset, Date.parse('2026-11-01T10:00:00Z')),
  ).flat();
}

/** The demo store's people, as stored messages, in event-time order (live traffic interleaves people). */
function demoMix(people: number): NormalisedMessage[] {
  const out: NormalisedMessage[] = [];
  for (const chunk of demoStream({
    people,
    days: 90,
    seed: 'bench',
    now: Date.parse('2026-11-01T00:00:00Z'),
  })) {
    if (chunk.kind !== 'person') continue;
    for (const m of chunk.messages) {
      const timestamp = String(m.timestamp);
      out.push({ ...m, timestamp, receivedAt: timestamp, sourceId: 'demo' } as unknown as NormalisedMessage);
    }
  }
  return out.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId));
}

type TransactItem = Record<string, Record<string, unknown> | undefined>;

/** An attribute value's size as DynamoDB counts it (document form), near enough for billing. */
function valueSize(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (typeof v === 'number') return Math.ceil(String(v).replace(/[-.]/g, '').length / 2) + 1;
  if (typeof v === 'boolean' || v === null || v === undefined) return 1;
  if (v instanceof Uint8Array) return v.length;
  if (v instanceof Set) return [...v].reduce((n: number, x) => n + valueSize(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((n: number, x) => n + valueSize(x) + 1, 0);
  return 3 + attributesSize(v as Record<string, unknown>) + Object.keys(v as object).length;
}

const attributesSize = (item: Record<string, unknown>) =>
  Object.entries(item).reduce((n, [k, x]) => n + Buffer.byteLength(k, 'utf8') + valueSize(x), 0);

/** The item an Update writes: its key and what its SET clause assigns. */
function updatedItem(update: Record<string, unknown>): Record<string, unknown> {
  const names = (update.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (update.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const set = /SET (.*?)(?: REMOVE | ADD | DELETE |$)/.exec(String(update.UpdateExpression ?? ''))?.[1] ?? '';
  const item: Record<string, unknown> = { ...(update.Key as Record<string, unknown>) };
  for (const pair of set.split(',')) {
    const [lhs, rhs] = pair.split('=').map((x) => x.trim());
    if (lhs && rhs) item[names[lhs] ?? lhs] = values[rhs];
  }
  return item;
}

/** A transaction's write units by table: two per started KB of each item it writes. */
function transactionUnits(items: readonly TransactItem[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) {
    const op = item.Put ?? item.Update ?? item.Delete;
    if (!op) continue;
    const written = item.Put ? (op.Item as Record<string, unknown>) : item.Update ? updatedItem(op) : op.Key;
    const table = String(op.TableName);
    const units = 2 * Math.max(1, Math.ceil(attributesSize(written as Record<string, unknown>) / 1024));
    out.set(table, (out.get(table) ?? 0) + units);
  }
  return out;
}

/** Consumed capacity and item writes, by table. */
interface Meter {
  read: number;
  write: number;
  requests: number;
  /** Items written (each is one stream record of its table). */
  items: number;
  /** Requests and milliseconds waited, by command. */
  waits: Record<string, { n: number; ms: number; units: number }>;
}

const meter = (): Meter => ({ read: 0, write: 0, requests: 0, items: 0, waits: {} });

interface Figures {
  readonly events: number;
  readonly batch: number;
  readonly ingest: { readonly secs: number; readonly units: Meter };
  readonly projection: {
    readonly secs: number;
    readonly units: Meter;
    readonly outbox: number;
    readonly commits: number;
    /** Slowest stream batch's projection, ms (what a batch's last event waits beyond the window). */
    readonly slowestBatchMs: number;
  };
  readonly publishing: { readonly records: number; readonly billed: number; readonly updates: number };
}

/**
 * What the outbox publisher does with the commits' outboxes, in commit order: stream batches of
 * PUBLISHER_BATCH records, each record's events an entry, the batch's ProfileUpdated events grouped
 * (shared/adapters/eventbridge/domain-events.ts); returns the records and billed EventBridge events.
 */
function publishingOf(outboxes: readonly (readonly OutboxEvent[])[]) {
  let billed = 0;
  for (let i = 0; i < outboxes.length; i += PUBLISHER_BATCH) {
    const events = outboxes.slice(i, i + PUBLISHER_BATCH).flat();
    billed += domainEventEntries(events, 'feltfit').reduce((n, e) => n + billedEvents(e), 0);
  }
  const updates = outboxes.flat().filter((e) => e.type === 'ProfileUpdated').length;
  return { records: outboxes.length, billed, updates };
}

function report(name: string, f: Figures): void {
  const per = (n: number) => n / f.events;
  const ingestRate = f.events / f.ingest.secs;
  const projectRate = f.events / f.projection.secs;
  console.log(
    `\n### ${name}: ${fmt(f.events)} events, ingest requests of ${INGEST_BATCH}, projector batches of ${f.batch}, DynamoDB Local`,
  );
  console.log(
    `ingest baseline: ${fmt(ingestRate)} events/s; projection: ${fmt(projectRate)} events/s; projection ÷ ingest = ${fmt(projectRate / ingestRate, 2)} (goal ≥ 1.0); slowest batch ${fmt(f.projection.slowestBatchMs)} ms`,
  );
  console.log(
    `per event — ingest: ${fmt(per(f.ingest.units.read), 2)} read units, ${fmt(per(f.ingest.units.write), 2)} write units; projection: ${fmt(per(f.projection.units.read), 2)} read units, ${fmt(per(f.projection.units.write), 2)} write units, ${fmt(per(f.projection.units.requests), 2)} DynamoDB requests, ${fmt(per(f.projection.commits), 2)} profile commits; ${fmt(per(f.projection.outbox), 2)} domain events (outbox entries), ${fmt(per(f.publishing.billed), 3)} billed EventBridge events (ProfileUpdated grouped)`,
  );
  // Where the projection's time goes: the function waits on DynamoDB (Node's own CPU is a few %).
  const waits = Object.entries(f.projection.units.waits)
    .filter(([c]) => c !== 'CreateTable')
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([c, w]) => `${c} ${fmt(w.n)}× ${fmt(w.ms / w.n, 1)} ms, ${fmt(w.units / w.n, 1)} units`)
    .join('; ');
  console.log(`projection's DynamoDB requests (count × mean wait, mean units): ${waits}`);
  const ingest =
    per(f.ingest.units.write) * PRICES_USD.dynamoWriteRequestUnit +
    per(f.ingest.units.read) * PRICES_USD.dynamoReadRequestUnit +
    (PRICES_USD.httpApiRequest + PRICES_USD.lambdaRequest) / INGEST_BATCH;
  const projection =
    per(f.projection.units.read) * PRICES_USD.dynamoReadRequestUnit +
    per(f.projection.units.write) * PRICES_USD.dynamoWriteRequestUnit +
    PRICES_USD.lambdaRequest / f.batch;
  // The publisher reads the profiles table's stream (free for Lambda triggers); its filter passes
  // only records with an outbox, PUBLISHER_BATCH per invocation.
  const eventBridge = per(f.publishing.billed) * PRICES_USD.eventBridgeEvent;
  const publishing = eventBridge + (per(f.publishing.records) / PUBLISHER_BATCH) * PRICES_USD.lambdaRequest;
  const total = ingest + projection + publishing;
  console.log(
    `AWS cost per million events: ingest $${fmt(ingest * 1e6, 2)} + projection $${fmt(projection * 1e6, 2)} + outbox publishing $${fmt(publishing * 1e6, 2)} (EventBridge $${fmt(eventBridge * 1e6, 2)}) = $${fmt(total * 1e6, 2)} (goal ≤ $1.00; Lambda duration excluded)`,
  );
}

/** Runs the projector benchmark and prints its figures. */
export async function benchProfiles(): Promise<void> {
  console.log('\n## Profiles');
  const ddb = await startDynamoDbLocal();
  const raw = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const meters = new Map<string, Meter>();
  const meterOf = (table: string) => {
    if (!meters.has(table)) meters.set(table, meter());
    return meters.get(table)!;
  };
  // Ask every request for its consumed capacity and add it up by table.
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const started = performance.now();
      const out = await next(args);
      const waited = performance.now() - started;
      const command = String(context.commandName ?? '');
      const isRead = /^(Get|BatchGet|Query|Scan|TransactGet)/.test(command);
      const cc = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      let units = 0;
      if (command === 'TransactWriteItemsCommand') {
        // DynamoDB Local reports a transaction's units wrongly (4, whatever its items): count them
        // as DynamoDB bills them, two per started KB of each item.
        for (const [table, u] of transactionUnits(input.TransactItems as TransactItem[])) {
          units += u;
          meterOf(table).write += u;
        }
      } else {
        for (const c of [cc].flat() as { CapacityUnits?: number; TableName?: string }[]) {
          if (c?.CapacityUnits === undefined || !c.TableName) continue;
          units += c.CapacityUnits;
          const m = meterOf(c.TableName);
          if (isRead) m.read += c.CapacityUnits;
          else m.write += c.CapacityUnits;
        }
      }
      const tableOf = (x: { TableName?: unknown }) => String(x.TableName ?? '');
      if (command === 'TransactWriteItemsCommand') {
        for (const item of (input.TransactItems ?? []) as Record<string, { TableName?: unknown }>[]) {
          const op = item.Put ?? item.Update ?? item.Delete;
          if (op) meterOf(tableOf(op)).items++;
        }
      } else if (command === 'BatchWriteItemCommand') {
        for (const [table, reqs] of Object.entries((input.RequestItems ?? {}) as Record<string, unknown[]>))
          meterOf(table).items += reqs.length;
      } else if (/^(Put|Update|Delete)Item/.test(command)) meterOf(tableOf(input)).items++;
      const first = ((input.TransactItems ?? []) as Record<string, { TableName?: unknown }>[])[0];
      const table =
        typeof input.TableName === 'string'
          ? input.TableName
          : (Object.keys((input.RequestItems ?? {}) as object)[0] ??
            (first ? tableOf(first.Put ?? first.Update ?? first.Delete ?? {}) : undefined));
      if (table) {
        const m = meterOf(table);
        m.requests++;
        const name = command.replace(/Command$/, '');
        const w = m.waits[name] ?? { n: 0, ms: 0, units: 0 };
        m.waits[name] = { n: w.n + 1, ms: w.ms + waited, units: w.units + units };
      }
      return out;
    },
    { step: 'initialize', name: 'consumedCapacity' },
  );
  const client = documentClient(raw);

  async function tablesFor(name: string) {
    for (const kind of ['profiles', 'events'] as const) {
      await raw.send(
        new CreateTableCommand({
          TableName: `bench-${kind}-${name}`,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: TABLES[kind].partitionKey, AttributeType: 'S' },
            { AttributeName: TABLES[kind].sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: TABLES[kind].partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLES[kind].sortKey, KeyType: 'RANGE' },
          ],
        }),
      );
    }
    const deps = {
      store: new DynamoDbProfileStore({
        client,
        tableName: `bench-profiles-${name}`,
        config: defaultProfilesConfig,
        hasher: testHasher,
      }),
      eraser: new DynamoDbRawEventEraser({ client, tableName: `bench-events-${name}` }),
      config: defaultProfilesConfig,
      hasher: testHasher,
      now: () => new Date(),
      ...(process.env.BENCH_CONCURRENCY ? { concurrency: Number(process.env.BENCH_CONCURRENCY) } : {}),
    };
    const events = new DynamoDbEventStore({
      client,
      tableName: `bench-events-${name}`,
      retentionDays: 400,
      hasher: testHasher,
    });
    return {
      deps,
      events,
      profilesMeter: meterOf(`bench-profiles-${name}`),
      eventsMeter: meterOf(`bench-events-${name}`),
    };
  }

  /** Projects messages in stream batches; returns seconds, outbox entries, commits and outboxes. */
  async function project(
    deps: Awaited<ReturnType<typeof tablesFor>>['deps'],
    messages: NormalisedMessage[],
    batch: number,
  ) {
    const inputs: ProjectionInput[] = messages.map((message, i) => ({
      id: String(i),
      message,
      key: { pk: personKey(message, testHasher), sk: `M#${message.messageId}` },
    }));
    // Each commit's outbox, in commit order: what the profiles table's stream carries.
    const outboxes: OutboxEvent[][] = [];
    const commit = deps.store.commit.bind(deps.store);
    deps.store.commit = async (write) => {
      const out = await commit(write);
      if (out.ok && write.outbox.length > 0) outboxes.push([...write.outbox]);
      return out;
    };
    let outbox = 0;
    let commits = 0;
    let slowestBatchMs = 0;
    const started = performance.now();
    for (let i = 0; i < inputs.length; i += batch) {
      const batchStarted = performance.now();
      const r = await projectEvents(deps, inputs.slice(i, i + batch));
      if (r.failed.length) throw new Error(`${r.failed.length} events failed to project`);
      slowestBatchMs = Math.max(slowestBatchMs, performance.now() - batchStarted);
      outbox += r.published;
      commits += r.commits;
    }
    return { secs: (performance.now() - started) / 1000, outbox, commits, slowestBatchMs, outboxes };
  }

  async function workload(name: string, messages: NormalisedMessage[], batch: number): Promise<Figures> {
    const t = await tablesFor(name);
    const started = performance.now();
    for (let i = 0; i < messages.length; i += INGEST_BATCH)
      await t.events.putEvents(messages.slice(i, i + INGEST_BATCH));
    const ingestSecs = (performance.now() - started) / 1000;
    const ingestUnits = { ...t.eventsMeter };
    const p = await project(t.deps, messages, batch);
    return {
      events: messages.length,
      batch,
      ingest: { secs: ingestSecs, units: ingestUnits },
      projection: {
        secs: p.secs,
        units: { ...t.profilesMeter, waits: { ...t.profilesMeter.waits } },
        outbox: p.outbox,
        commits: p.commits,
        slowestBatchMs: p.slowestBatchMs,
      },
      publishing: publishingOf(p.outboxes),
    };
  }

  try {
    const mix = demoMix(DEMO_PEOPLE);
    for (const batch of PROJECTOR_BATCHES) {
      report(
        `Shopping sessions (${PEOPLE} people × ${EVENTS_PER_PERSON}, person by person)`,
        await workload(`sessions-${batch}`, sessions(PEOPLE), batch),
      );
      report(
        `Demo store mix (${DEMO_PEOPLE} people over 90 days, in event-time order)`,
        await workload(`demo-${batch}`, mix, batch),
      );
    }
    if (REPLAY > 0) {
      const t = await tablesFor('replay');
      const messages = sessions(Math.ceil(REPLAY / EVENTS_PER_PERSON), 1_000_000).slice(0, REPLAY);
      const batch = PROJECTOR_BATCHES[0]!;
      const p = await project(t.deps, messages, batch);
      console.log(
        `\nreplay: ${fmt(messages.length)} events (sessions, person by person, batches of ${batch}) projected in ${fmt(p.secs, 1)} s → ${fmt(messages.length / p.secs)} events/s; ${fmt(t.profilesMeter.write / messages.length, 2)} write units per event`,
      );
    }
  } finally {
    raw.destroy();
    await ddb.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchProfiles();
}
