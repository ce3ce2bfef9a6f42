import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHasher } from '../../infra/cli/hash-key.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { defaultProfilesConfig } from '../../shared/config/profiles.js';
import { LIMITS } from '../../shared/domain/ingest/limits.js';
import { featuresOf } from '../../shared/domain/profiles/features.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { eventually } from './support/journeys.js';

let rt: TestRuntime;
let client: DynamoDBClient;
let store: DynamoDbProfileStore;
const PEOPLE = 50;

beforeAll(async () => {
  rt = await startTestRuntime();
  client = new DynamoDBClient({
    endpoint: rt.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = new DynamoDbProfileStore({
    client: documentClient(client),
    tableName: rt.tables.PROFILES_TABLE!,
    config: defaultProfilesConfig,
    // The runtime's own identity hash key, found as the CLI finds it.
    hasher: await resolveHasher({ FELTFIT_DATA_DIR: rt.dataDir }),
  });
});
afterAll(async () => {
  client?.destroy();
  await rt?.stop();
});

/** Items of a table whose sort key starts with `prefix` (events: `M#`, landed batches: `L#`). */
async function countItems(table: string, prefix: string, filter = ''): Promise<number> {
  let n = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        FilterExpression: `begins_with(sk, :p)${filter}`,
        ExpressionAttributeValues: { ':p': { S: prefix } },
        ExclusiveStartKey: start,
      }),
    );
    n += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return n;
}

async function features() {
  const out: Record<string, unknown> = {};
  for (let p = 0; p < PEOPLE; p++) {
    const profile = await store.findByIdentifier('userId', `bulk-${p}`);
    out[`bulk-${p}`] = profile ? featuresOf(profile.state).recentlyViewedProducts : undefined;
  }
  return out;
}

describe('a maximum batch through the local runtime', () => {
  // Landed in a few writes and answered at once; the fan-out stores the events from the stream and
  // the projector projects them. On a loaded 2-core machine that can take minutes: wait for it.
  it('is answered 200, fully projected, and a re-send changes nothing', { timeout: 900_000 }, async () => {
    const batch = Array.from({ length: LIMITS.batchMessages }, (_, i) => ({
      type: 'track',
      event: 'Product Viewed',
      userId: `bulk-${i % PEOPLE}`,
      messageId: `bulk-msg-${i}`,
      timestamp: new Date(Date.now() - (LIMITS.batchMessages - i) * 1000).toISOString(),
      properties: { product_id: `sku-${i}` },
    }));
    const body = JSON.stringify({ batch });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMITS.requestBytes);
    const post = () =>
      fetch(`${rt.url}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${rt.writeKey}:`).toString('base64')}`,
        },
        body,
      });

    // The first answer, without the retries an SDK would make after a 429/503.
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ success: true, accepted: LIMITS.batchMessages, rejected: [] });
    const events = rt.tables.EVENTS_TABLE!;
    // Polled, not settled: a stream delivery that runs for minutes does not hold the settle.
    await eventually(
      'every landed item stored',
      async () => ((await countItems(events, 'L#', ' AND attribute_exists(n)')) === 0 ? true : undefined),
      600,
    );
    expect(await countItems(events, 'M#')).toBe(LIMITS.batchMessages);
    expect(await countItems(events, 'L#')).toBeGreaterThan(0);
    // Fully projected means final: each person's recently viewed products are exactly the last
    // `recentlyViewedLimit` of their views, newest first (the state keeps the most recent ones, so no
    // event still being projected can change them). A snapshot taken earlier could still move.
    const limit = defaultProfilesConfig.recentlyViewedLimit;
    const expected = Object.fromEntries(
      Array.from({ length: PEOPLE }, (_, p) => [
        `bulk-${p}`,
        Array.from({ length: limit }, (_, k) => `sku-${LIMITS.batchMessages - PEOPLE * (k + 1) + p}`),
      ]),
    );
    await eventually(
      'every person projected',
      async () => (JSON.stringify(await features()) === JSON.stringify(expected) ? true : undefined),
      600,
    );
    await rt.settle(600_000);
    const landed = await countItems(events, 'L#');

    const again = await post();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ success: true, accepted: LIMITS.batchMessages });
    // The re-send's parts are found landed: nothing is written, so there is nothing to wait for.
    expect(await countItems(events, 'L#', ' AND attribute_exists(n)')).toBe(0);
    await rt.settle(600_000);
    expect(await countItems(events, 'M#')).toBe(LIMITS.batchMessages);
    expect(await countItems(events, 'L#')).toBe(landed);
    expect(await features()).toEqual(expected);
  });
});
