/**
 * Load test of the local ingest endpoint (figures, never pass/fail): closed-loop clients post
 * 20-message batches (analytics.js flushes about that many) to `/v1/batch` at rising concurrency
 * for a fixed time each, and print per level the throughput, p50/p99 latency of the accepted
 * requests and every answer by kind: 200, the stage's 429 (API Gateway's own, no Retry-After), the
 * ingest function's 429/503 with Retry-After, any other 5xx (must stay 0) and anything else. A
 * refused batch is re-sent unchanged, as the SDKs do (Retry-After when given, else exponential
 * backoff with jitter), until it is accepted — except that after a level's time a batch the stage
 * refused is let go (nothing of it was stored), which bounds the run. At the end of each level the
 * events stored must equal the events accepted: nothing accepted was lost, nothing stored twice.
 *
 * The stage throttle: the template's (docs/operations.md#overload-429-and-503-never-another-5xx) is far beyond what a laptop
 * serves, so by default the runtime runs with 5 requests/s, burst 10, as a deploy with another
 * `ingest.throttle` would, and prints both. BENCH_LOAD_THROTTLE=rate:burst sets it (`template` keeps
 * the template's); BENCH_LOAD_LEVELS (default 1,16,128,512) and BENCH_LOAD_SECONDS (default 5) size
 * it. Synthesis and start-up come first (a minute or two); the levels then take about
 * levels × seconds plus the drain of the function's own refusals.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { parseThrottle, type ThrottleSettings } from '../../infra/local/http-api.js';
import type { CfnTemplate } from '../../infra/local/template.js';
import { startBenchRuntime } from './support.js';

const LEVELS = (process.env.BENCH_LOAD_LEVELS ?? '1,16,128,512').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const BATCH = 20;

/** The throttle the bench runs with: `rate:burst` (default 5:10), or undefined for the template's own. */
function benchThrottle(value: string | undefined): ThrottleSettings | undefined {
  if (value === 'template') return undefined;
  return parseThrottle(value || '5:10', 'BENCH_LOAD_THROTTLE');
}

/** The stage's DefaultRouteSettings throttle in a synthesized template. */
export function templateThrottle(template: CfnTemplate): ThrottleSettings | undefined {
  const stage = Object.values(template.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
  const d = stage?.Properties?.DefaultRouteSettings as
    | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
    | undefined;
  if (d?.ThrottlingRateLimit === undefined || d.ThrottlingBurstLimit === undefined) return undefined;
  return { rateLimit: d.ThrottlingRateLimit, burstLimit: d.ThrottlingBurstLimit };
}

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

/** How an answer counts: what the SDKs may retry (429/503) and what must never happen (other 5xx). */
type Kind = 'ok' | 'stage429' | 'ingest429' | 'ingest503' | 'other5xx' | 'other';

interface Level {
  concurrency: number;
  requests: number;
  accepted: number;
  /** Events of batches the stage still refused after the level's end, not re-sent. */
  abandoned: number;
  stored: number;
  /** Latencies of the accepted (200) requests. */
  latencies: number[];
  kinds: Record<Kind, number>;
  /** 429/503 from the function itself without Retry-After (must stay 0). */
  missingRetryAfter: number;
  seconds: number;
}

/** Classifies one answer by status, Retry-After and body (API Gateway's own errors carry only `message`). */
function kindOf(status: number, retryAfter: string | null, body: string): Kind {
  if (status === 200) return 'ok';
  if (status === 429 && retryAfter === null && body.includes('"Too Many Requests"')) return 'stage429';
  if (status === 429) return 'ingest429';
  if (status === 503) return 'ingest503';
  if (status >= 500) return 'other5xx';
  return 'other';
}

/** Runs `concurrency` closed-loop clients for SECONDS; each batch is re-sent until it is accepted. */
async function runLevel(url: string, auth: string, concurrency: number): Promise<Level> {
  const level: Level = {
    concurrency,
    requests: 0,
    accepted: 0,
    abandoned: 0,
    stored: 0,
    latencies: [],
    kinds: { ok: 0, stage429: 0, ingest429: 0, ingest503: 0, other5xx: 0, other: 0 },
    missingRetryAfter: 0,
    seconds: 0,
  };
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const body = JSON.stringify({ batch: batchOf(BATCH), sentAt: new Date().toISOString() });
      // A batch is retried until accepted, even past the deadline, as the SDKs do not drop a batch.
      for (let attempt = 0; ; attempt++) {
        const t = performance.now();
        let status = 0;
        let retryAfter: string | null = null;
        let text = '';
        try {
          const res = await fetch(`${url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: auth },
            body,
          });
          status = res.status;
          retryAfter = res.headers.get('retry-after');
          text = await res.text();
        } catch {
          status = 0; // connection refused or reset
        }
        const kind = kindOf(status, retryAfter, text);
        level.requests++;
        level.kinds[kind]++;
        if (kind === 'ok') {
          level.latencies.push(performance.now() - t);
          level.accepted += BATCH;
          break;
        }
        // Past the level's end a batch the stage refused is let go (nothing of it was stored), which
        // bounds the run; one the function refused may be partly stored, so it is re-sent until accepted.
        if (kind === 'stage429' && performance.now() >= deadline) {
          level.abandoned += BATCH;
          break;
        }
        if ((kind === 'ingest429' || kind === 'ingest503') && retryAfter === null) level.missingRetryAfter++;
        if ((kind === 'other' || kind === 'other5xx') && attempt >= 5)
          throw new Error(`ingest answered ${status} six times in a row`);
        // Retry-After when given (plus jitter), else exponential backoff with full jitter, capped.
        const hinted = Number(retryAfter);
        const waitMs =
          retryAfter !== null && Number.isFinite(hinted) && hinted >= 0
            ? hinted * 1000 + Math.random() * 250
            : Math.random() * Math.min(3000, 100 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, waitMs));
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

const describeThrottle = (t: ThrottleSettings | undefined) =>
  t ? `${t.rateLimit} requests/s, burst ${t.burstLimit}` : 'none (account limits)';

/** `npm run bench -- load`. */
export async function benchLoad(): Promise<void> {
  console.log('\n## Load (local ingest endpoint, closed loop, 20-message batches to /v1/batch)');
  const override = benchThrottle(process.env.BENCH_LOAD_THROTTLE);
  const { rt, client, auth, template, stop } = await startBenchRuntime({
    tablePrefix: 'load',
    schedules: false,
    ...(override ? { apiThrottle: override } : {}),
  });
  try {
    const own = templateThrottle(template);
    console.log(
      override
        ? `stage throttle per route: ${describeThrottle(override)} — OVERRIDDEN (the template's: ${describeThrottle(own)}, beyond this machine; BENCH_LOAD_THROTTLE=template runs it)`
        : `stage throttle per route: ${describeThrottle(own)} (the template's)`,
    );
    await runLevel(rt.url, auth, 1); // warm-up: JIT, connections, write-key cache
    // Let the warm-up's bucket refill before the first level.
    if (override) await new Promise((r) => setTimeout(r, (override.burstLimit / override.rateLimit) * 1000));
    let stored = await countItems(client, rt.tables.EVENTS_TABLE!);
    const started = performance.now();
    const results: Level[] = [];
    for (const c of LEVELS) {
      const level = await runLevel(rt.url, auth, c);
      const now = await countItems(client, rt.tables.EVENTS_TABLE!);
      level.stored = now - stored;
      stored = now;
      results.push(level);
    }
    console.log(
      '| clients | requests/s | events/s accepted | p50 ms | p99 ms | 200 | 429 stage | 429 ingest | 503 | 5xx other | other | events accepted | stored | let go after the level |',
    );
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const k = r.kinds;
      console.log(
        `| ${r.concurrency} | ${(r.requests / r.seconds).toFixed(0)} | ${(r.accepted / r.seconds).toFixed(0)} | ${percentile(r.latencies, 50).toFixed(0)} | ${percentile(r.latencies, 99).toFixed(0)} | ${k.ok} | ${k.stage429} | ${k.ingest429} | ${k.ingest503} | ${k.other5xx} | ${k.other} | ${r.accepted} | ${r.stored} | ${r.abandoned} |`,
      );
    }
    const levelsSeconds = (performance.now() - started) / 1000;
    const sum = (f: (l: Level) => number) => results.reduce((n, l) => n + f(l), 0);
    const accepted = sum((l) => l.accepted);
    console.log(
      `5xx other = ${sum((l) => l.kinds.other5xx)}; ingest 429/503 without Retry-After = ${sum((l) => l.missingRetryAfter)}; events accepted ${accepted}, stored ${sum((l) => l.stored)} (lost ${Math.max(0, accepted - sum((l) => l.stored))}, extra ${Math.max(0, sum((l) => l.stored) - accepted)}); the levels took ${levelsSeconds.toFixed(0)} s`,
    );
  } finally {
    await stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchLoad();
}
