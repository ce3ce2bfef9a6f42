/**
 * Load test of the local ingest endpoint (figures, never pass/fail): closed-loop clients post
 * 20-message batches (analytics.js flushes about that many) to `/v1/batch` at rising concurrency
 * for a fixed time each, and print per level the throughput, p50/p99/max latency and every status
 * seen. Overload must be answered 429 or 503 with Retry-After and never another 5xx; the last
 * columns count what was not. A client that gets 429/503 backs off as the SDKs do (Retry-After,
 * capped) and re-sends, so the stored events at the end must equal the events sent: the load test
 * also checks that nothing accepted was lost and nothing was stored twice.
 *
 * BENCH_LOAD_LEVELS (default 1,4,16,64,256) and BENCH_LOAD_SECONDS (default 6) size it.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startBenchRuntime } from './support.js';

const LEVELS = (process.env.BENCH_LOAD_LEVELS ?? '1,4,16,64,256').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 6);
const BATCH = 20;

function batchOf(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    messageId: randomUUID(),
    anonymousId: `anon-${i % 997}`,
    event: 'Product Viewed',
    timestamp: new Date().toISOString(),
    properties: { product_id: `sku-${i % 300}`, price: 49.5, currency: 'EUR' },
    context: { library: { name: 'analytics.js', version: '5.2.0' }, page: { path: '/p/x' } },
  }));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

interface Level {
  concurrency: number;
  requests: number;
  accepted: number;
  latencies: number[];
  statuses: Map<number, number>;
  /** 5xx other than 503, and 429/503 without Retry-After. */
  bad: number;
  seconds: number;
}

/** Runs `concurrency` closed-loop clients for SECONDS; each batch is re-sent until it is accepted. */
async function runLevel(url: string, auth: string, concurrency: number): Promise<Level> {
  const level: Level = {
    concurrency,
    requests: 0,
    accepted: 0,
    latencies: [],
    statuses: new Map(),
    bad: 0,
    seconds: 0,
  };
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const body = JSON.stringify({ batch: batchOf(BATCH), sentAt: new Date().toISOString() });
      // A batch is retried until accepted, even past the deadline: the SDKs do not drop a batch.
      for (let attempt = 0; ; attempt++) {
        const t = performance.now();
        let status = 0;
        let retryAfter: string | null = null;
        try {
          const res = await fetch(`${url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: auth },
            body,
          });
          status = res.status;
          retryAfter = res.headers.get('retry-after');
          await res.arrayBuffer();
        } catch {
          status = 0; // connection refused or reset
        }
        level.latencies.push(performance.now() - t);
        level.requests++;
        level.statuses.set(status, (level.statuses.get(status) ?? 0) + 1);
        if (status === 200) {
          level.accepted += BATCH;
          break;
        }
        const overload = status === 429 || status === 503;
        if (!overload || retryAfter === null) level.bad++;
        if (!overload && attempt >= 5) throw new Error(`ingest answered ${status} six times in a row`);
        const hinted = Number(retryAfter);
        const waitMs =
          Number.isFinite(hinted) && hinted > 0 ? Math.min(hinted * 1000, 2000) : 200 * 2 ** attempt;
        await new Promise((r) => setTimeout(r, Math.random() * waitMs));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  level.seconds = (performance.now() - started) / 1000;
  level.latencies.sort((a, b) => a - b);
  return level;
}

async function countItems(client: DynamoDBClient, table: string): Promise<number> {
  let n = 0;
  let start: Record<string, never> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    n += out.Count ?? 0;
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return n;
}

/** `npm run bench -- load`. */
export async function benchLoad(): Promise<void> {
  console.log('\n## Load (local ingest endpoint, closed loop, 20-message batches)');
  const { rt, client, auth, stop } = await startBenchRuntime({ tablePrefix: 'load', schedules: false });
  try {
    await runLevel(rt.url, auth, 2); // warm-up: JIT, connections, write-key cache
    const before = await countItems(client, rt.tables.EVENTS_TABLE!);
    const results: Level[] = [];
    for (const c of LEVELS) results.push(await runLevel(rt.url, auth, c));
    const base = results[0]!.accepted / results[0]!.seconds;
    console.log('| clients | events/s | × 1st level | p50 ms | p99 ms | max ms | statuses | bad answers |');
    console.log('|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const r of results) {
      const rate = r.accepted / r.seconds;
      const statuses = [...r.statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      console.log(
        `| ${r.concurrency} | ${rate.toFixed(0)} | ${(rate / base).toFixed(2)} | ${percentile(r.latencies, 50).toFixed(0)} | ${percentile(r.latencies, 99).toFixed(0)} | ${r.latencies.at(-1)!.toFixed(0)} | ${statuses} | ${r.bad} |`,
      );
    }
    const sent = results.reduce((n, r) => n + r.accepted, 0);
    const stored = (await countItems(client, rt.tables.EVENTS_TABLE!)) - before;
    console.log(
      `events accepted ${sent}, stored ${stored} (lost ${Math.max(0, sent - stored)}, extra ${Math.max(0, stored - sent)})`,
    );
  } finally {
    await stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchLoad();
}
