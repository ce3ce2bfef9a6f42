/**
 * Profile projector benchmark (figures only): events projected per second through the real
 * projection code and DynamoDB adapter on DynamoDB Local, the read and write capacity units each
 * projected event consumes (every request asks DynamoDB for ConsumedCapacity), and the AWS cost per
 * million events for ingest plus projection.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { personKey } from '../../shared/adapters/dynamodb/event-store.js';
import { DynamoDbRawEventEraser } from '../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { TABLES } from '../../shared/adapters/dynamodb/tables.js';
import { PRICES_USD } from '../../shared/config/prices.js';
import { defaultProfilesConfig } from '../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../shared/domain/ingest/schemas.js';
import { type ProjectionInput, projectEvents } from '../../shared/domain/profiles/project.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 500);
const EVENTS_PER_PERSON = 10;
const BATCH = 100;

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

/** Runs the projector benchmark and prints its figures. */
export async function benchProfiles(): Promise<void> {
  console.log('\n## Profiles');
  const ddb = await startDynamoDbLocal();
  const raw = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const name of ['profiles', 'events'] as const) {
      await raw.send(
        new CreateTableCommand({
          TableName: `bench-${name}`,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: TABLES[name].partitionKey, AttributeType: 'S' },
            { AttributeName: TABLES[name].sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: TABLES[name].partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLES[name].sortKey, KeyType: 'RANGE' },
          ],
        }),
      );
    }
    // Ask every request for its consumed capacity and add it up.
    const units = { read: 0, write: 0, requests: 0 };
    raw.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        units.requests++;
        const isRead = /^(Get|BatchGet|Query|Scan|TransactGet)/.test(String(context.commandName ?? ''));
        const cc = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        for (const c of [cc].flat() as { CapacityUnits?: number }[]) {
          if (c?.CapacityUnits === undefined) continue;
          if (isRead) units.read += c.CapacityUnits;
          else units.write += c.CapacityUnits;
        }
        return out;
      },
      { step: 'initialize', name: 'consumedCapacity' },
    );
    const client = documentClient(raw);
    const published: unknown[] = [];
    const deps = {
      store: new DynamoDbProfileStore({ client, tableName: 'bench-profiles', config: defaultProfilesConfig }),
      eraser: new DynamoDbRawEventEraser({ client, tableName: 'bench-events' }),
      events: { publish: async (events: readonly unknown[]) => void published.push(...events) },
      config: defaultProfilesConfig,
      now: () => new Date(),
    };
    const messages = Array.from({ length: PEOPLE }, (_, p) =>
      session(p, Date.parse('2026-11-01T10:00:00Z')),
    ).flat();
    // Stream order: by person key, in time order within a key (as DynamoDB streams deliver per item).
    const inputs: ProjectionInput[] = messages.map((message, i) => ({
      id: String(i),
      message,
      key: { pk: personKey(message), sk: `M#${message.messageId}` },
    }));
    const started = performance.now();
    for (let i = 0; i < inputs.length; i += BATCH) {
      const report = await projectEvents(deps as never, inputs.slice(i, i + BATCH));
      if (report.failed.length) throw new Error(`${report.failed.length} events failed to project`);
    }
    const secs = (performance.now() - started) / 1000;
    const perEvent = { read: units.read / inputs.length, write: units.write / inputs.length };
    console.log(
      `projector: ${fmt(inputs.length)} events (${PEOPLE} people × ${EVENTS_PER_PERSON}) in ${fmt(secs, 2)} s → ${fmt(inputs.length / secs)} events/s (batches of ${BATCH}, DynamoDB Local)`,
    );
    console.log(
      `capacity per projected event: ${fmt(perEvent.read, 2)} read units, ${fmt(perEvent.write, 2)} write units, ${fmt(units.requests / inputs.length, 2)} DynamoDB requests; ${fmt(published.length / inputs.length, 2)} domain events`,
    );
    const ingestPerEvent =
      PRICES_USD.dynamoWriteRequestUnit * 1 + (PRICES_USD.httpApiRequest + PRICES_USD.lambdaRequest) / 100;
    const projectionPerEvent =
      perEvent.read * PRICES_USD.dynamoReadRequestUnit +
      perEvent.write * PRICES_USD.dynamoWriteRequestUnit +
      PRICES_USD.lambdaRequest / BATCH +
      (published.length / inputs.length) * PRICES_USD.eventBridgeEvent;
    console.log(
      `AWS cost per million events at batch 100: ingest $${fmt(ingestPerEvent * 1e6, 2)} + projection $${fmt(projectionPerEvent * 1e6, 2)} = $${fmt((ingestPerEvent + projectionPerEvent) * 1e6, 2)} (Lambda duration excluded)`,
    );
  } finally {
    raw.destroy();
    await ddb.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchProfiles();
}
