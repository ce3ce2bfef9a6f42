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
async function storedMessageIds(of: TestRuntime = rt): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: of.tables.EVENTS_TABLE!,
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

async function postBatch(messageIds: string[], to: TestRuntime = rt): Promise<Answer> {
  const batch = messageIds.map((messageId, i) => ({
    type: 'track',
    event: 'Product Viewed',
    anonymousId: `overload-${i}`,
    messageId,
    properties: { product_id: `sku-${i}` },
  }));
  const res = await fetch(`${to.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${to.writeKey}:`).toString('base64')}`,
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
    const first = await Promise.all(batches.map((ids) => postBatch(ids)));

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

describe('ingest with its event store throttled', () => {
  let throttled: TestRuntime | undefined;
  afterAll(async () => {
    await throttled?.stop();
  });

  it('answers the function’s own 429/503 with Retry-After, never another 5xx, and stores each message once on a retry', async () => {
    // 80% of every function's DynamoDB calls throttled: the write-key look-up and the event writes
    // run out of retries often enough that most of these batches are refused at first.
    throttled = await startTestRuntime({
      faults: { sdk: { dynamodb: { fault: 'throttle', rate: 0.8 } }, seed: 11 },
    });
    const target = throttled;
    const batches = Array.from({ length: 12 }, (_, b) =>
      Array.from({ length: 5 }, (_, m) => `store-throttled-${b}-${m}`),
    );
    const answers = await Promise.all(batches.map((ids) => postBatch(ids, target)));
    for (const a of answers) expect([200, 429, 503], JSON.stringify(a.body)).toContain(a.status);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(['store_throttled', 'store_unavailable', 'time_budget_exhausted']).toContain(a.body.error?.code);
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    }

    // Every refused batch re-sent, unchanged, after its Retry-After, until accepted (all at once).
    await Promise.all(
      batches.map(async (ids, b) => {
        let a = answers[b]!;
        for (let attempt = 0; a.status !== 200; attempt++) {
          expect([429, 503]).toContain(a.status);
          expect(attempt).toBeLessThan(30);
          await new Promise((r) => setTimeout(r, Number(a.retryAfter ?? 1) * 1000));
          a = await postBatch(ids, target);
        }
      }),
    );
    const stored = await storedMessageIds(target);
    for (const ids of batches) for (const id of ids) expect(stored.get(id), id).toBe(1);
  }, 240_000);
});
