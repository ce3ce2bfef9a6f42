import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

// The stage throttle of a deploy with `ingest.throttle` = 2 requests/s, burst 4: far below what the
// template ships (docs/operations.md#overload-429-and-503-never-another-5xx), so that a handful of
// concurrent batches overload it on any machine, however slow.
const THROTTLE = { rateLimit: 2, burstLimit: 4 };
const BATCHES = 16;
const MESSAGES = 10;

let rt: TestRuntime;
let client: DynamoDBClient;

beforeAll(async () => {
  rt = await startTestRuntime({ apiThrottle: THROTTLE });
  client = new DynamoDBClient({
    endpoint: rt.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client?.destroy();
  await rt?.stop();
});

/** How many items of the events table hold each messageId. */
async function storedMessageIds(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: rt.tables.EVENTS_TABLE!,
        ProjectionExpression: 'sk',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const id = String(item.sk?.S ?? '').replace(/^M#/, '');
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return counts;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { message?: string; error?: { code?: string } };
}

async function postBatch(messageIds: string[]): Promise<Answer> {
  const batch = messageIds.map((messageId, i) => ({
    type: 'track',
    event: 'Product Viewed',
    anonymousId: `overload-${i}`,
    messageId,
    properties: { product_id: `sku-${i}` },
  }));
  const res = await fetch(`${rt.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${rt.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Answer['body'],
  };
}

describe('ingest past its stage throttle', () => {
  it('answers 429 or 503, never another 5xx; stores each accepted message once and the refused ones on a retry', async () => {
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: MESSAGES }, (_, m) => `overload-${b}-${m}`),
    );
    const first = await Promise.all(batches.map(postBatch));

    const statuses = first.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(statuses.every((s) => [200, 429, 503].includes(s))).toBe(true);
    // Sixteen batches at once against a burst of four: the stage refuses most of them.
    const stageRefused = first.filter((a) => a.status === 429 && a.body.message === 'Too Many Requests');
    expect(stageRefused.length).toBeGreaterThan(0);
    for (const a of stageRefused) expect(a.retryAfter).toBeNull(); // API Gateway's own 429 names no wait
    // What the function itself refuses (store throttled or slow) says when to come back.
    for (const a of first.filter((a) => [429, 503].includes(a.status) && a.body.error))
      expect(Number(a.retryAfter)).toBeGreaterThan(0);

    let stored = await storedMessageIds();
    first.forEach((a, b) => {
      for (const id of batches[b]!) {
        // Accepted: stored exactly once. Refused by the stage: nothing of it ran, nothing stored.
        if (a.status === 200) expect(stored.get(id), id).toBe(1);
        if (stageRefused.includes(a)) expect(stored.get(id), id).toBeUndefined();
      }
    });

    // The refused batches again, unchanged (the same messageIds), as the SDKs retry: one at a time
    // with backoff (Retry-After when given) until each is accepted.
    const refused = batches.filter((_, b) => first[b]!.status !== 200);
    for (const ids of refused) {
      for (let attempt = 0; ; attempt++) {
        const a = await postBatch(ids);
        expect(a.status === 200 || a.status === 429 || a.status === 503).toBe(true);
        if (a.status === 200) break;
        expect(attempt).toBeLessThan(60);
        const wait = a.retryAfter ? Number(a.retryAfter) * 1000 : Math.min(2000, 250 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    stored = await storedMessageIds();
    for (const ids of batches) for (const id of ids) expect(stored.get(id), id).toBe(1);
    expect([...stored.keys()].filter((id) => id.startsWith('overload-'))).toHaveLength(BATCHES * MESSAGES);
  });
});
