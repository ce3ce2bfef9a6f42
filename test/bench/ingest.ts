/**
 * Ingest benchmarks (figures, never pass/fail):
 * - throughput through the local runtime with batches of 100, beside raw BatchWriteItem of the same
 *   items into the same DynamoDB Local, and their ratio;
 * - each function's bundle size; the ingest bundle's cold import time beside a bundle that only
 *   imports the DynamoDB client;
 * - one request's latency at 100 messages and at the 2,500-message maximum;
 * - write units and AWS requests per event, and the AWS cost per million events at batch 1 and 100.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { build } from 'esbuild';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { randomToken, startRuntime } from '../../infra/local/runtime.js';
import { synthesize } from '../../infra/local/synth.js';
import { toEventItem } from '../../shared/adapters/dynamodb/event-store.js';
import { writeUnits } from '../../shared/adapters/dynamodb/item-size.js';
import { PRICES_USD } from '../../shared/config/prices.js';
import type { NormalisedMessage } from '../../shared/domain/ingest/schemas.js';
import { testHasher } from '../support/hasher.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = 100;
const CONCURRENCY = 8;

/** A typical e-commerce track event as analytics.js sends it. */
function trackEvent(i: number): Record<string, unknown> {
  return {
    type: 'track',
    messageId: randomUUID(),
    anonymousId: `anon-${i % 5000}`,
    userId: `user-${i % 3000}`,
    event: 'Product Viewed',
    timestamp: new Date().toISOString(),
    properties: {
      product_id: `sku-${i % 700}`,
      category: 'Shoes',
      name: 'Trail runner',
      price: 89.9,
      currency: 'EUR',
    },
    context: {
      library: { name: 'analytics.js', version: '5.2.0' },
      page: { path: '/p/trail-runner', url: 'https://shop.example/p/trail-runner', referrer: '' },
      locale: 'en-GB',
      timezone: 'Europe/London',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0',
    },
  };
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function coldImportMs(file: string, runs = 7): number {
  const script = `const t=performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now()-t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      env: { ...process.env, AWS_REGION: 'us-east-1', EVENTS_TABLE: 'x', CONTROL_TABLE: 'y' },
    });
    times.push(Number(out.toString()));
  }
  return median(times);
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Runs the ingest benchmarks and prints their figures. */
export async function benchIngest(): Promise<void> {
  console.log('\n## Ingest');
  const outdir = join(repoRoot, '.feltfit', `bench-assembly-${process.pid}`);
  const assembly = synthesize(outdir);
  const ddb = await startDynamoDbLocal();
  const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-bench-'));
  const writeKey = randomToken('ff_');
  const rt = await startRuntime({
    port: 0,
    dataDir,
    writeKey,
    adminToken: randomToken('admin_'),
    assemblyDir: assembly.dir,
    dynamodbEndpoint: ddb.endpoint,
    functionLogs: 'files',
    tablePrefix: 'bench',
  });
  const client = new DynamoDBClient({
    endpoint: ddb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    const post = async (batch: unknown[]) => {
      const res = await fetch(`${rt.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    // Warm-up: JIT, connections, write-key cache.
    await pool(
      Array.from({ length: 8 }, (_, b) => Array.from({ length: BATCH }, (_, i) => trackEvent(b * BATCH + i))),
      CONCURRENCY,
      post,
    );

    // Interleaved rounds (ingest, then raw BatchWriteItem of equivalent items), so that both sides
    // see the same machine load; the median round ratio is the figure.
    const ROUNDS = 4;
    const perRound = EVENTS / ROUNDS;
    const rawTable = rt.tables.EVENTS_TABLE!;
    const rounds: { ingest: number; raw: number }[] = [];
    let ingestTotalSecs = 0;
    let batchCount = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const batches = Array.from({ length: perRound / BATCH }, (_, b) =>
        Array.from({ length: BATCH }, (_, i) => trackEvent(round * perRound + b * BATCH + i)),
      );
      let t = performance.now();
      await pool(batches, CONCURRENCY, post);
      const ingestSecs = (performance.now() - t) / 1000;
      ingestTotalSecs += ingestSecs;
      batchCount += batches.length;

      // The same items as ingest would store them, written with BatchWriteItem (25 per call) at the
      // same number of DynamoDB requests in flight (8 requests × 4 parallel chunks).
      const now = new Date().toISOString();
      const rawItems = batches.flat().map((e) =>
        toEventItem(
          {
            ...(e as object),
            receivedAt: now,
            sourceId: 'local',
            messageId: randomUUID(),
          } as unknown as NormalisedMessage,
          400,
          testHasher,
        ),
      );
      const chunks: Record<string, unknown>[][] = [];
      for (let i = 0; i < rawItems.length; i += 25) chunks.push(rawItems.slice(i, i + 25));
      t = performance.now();
      await pool(chunks, CONCURRENCY * 4, async (chunk) => {
        let requests = chunk.map((item) => ({
          PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) },
        }));
        while (requests.length) {
          const r = await client.send(new BatchWriteItemCommand({ RequestItems: { [rawTable]: requests } }));
          requests = (r.UnprocessedItems?.[rawTable] ?? []) as typeof requests;
        }
      });
      const rawSecs = (performance.now() - t) / 1000;
      rounds.push({ ingest: perRound / ingestSecs, raw: rawItems.length / rawSecs });
    }
    const ratios = rounds.map((r) => r.ingest / r.raw);
    const ingestRate = median(rounds.map((r) => r.ingest));
    const rawRate = median(rounds.map((r) => r.raw));
    const ingestSecs = ingestTotalSecs;
    const batches = { length: batchCount };

    console.log(
      `ingest through the local runtime, batches of ${BATCH}, ${CONCURRENCY} concurrent: ${fmt(ingestRate)} events/s (median of ${ROUNDS} rounds of ${fmt(perRound)} events)`,
    );
    console.log(`raw BatchWriteItem of the same items, same DynamoDB Local:      ${fmt(rawRate)} items/s`);
    console.log(
      `ratio ingest / raw: ${fmt(median(ratios), 2)} median (rounds: ${ratios.map((r) => fmt(r, 2)).join(', ')}; target ≥ 0.80)`,
    );

    // Latency of one request: a 100-message batch beside a maximum batch (2,500 compact messages,
    // within 500 KB), posted one at a time, median of a few each, alternating so both see the same load.
    const compact = (i: number) => ({
      type: 'track',
      messageId: randomUUID(),
      userId: `user-${i % 3000}`,
      event: 'Product Viewed',
      properties: { product_id: `sku-${i % 700}`, price: 89.9 },
    });
    const latency: Record<number, number[]> = { 100: [], 2500: [] };
    for (let r = 0; r < 5; r++) {
      for (const size of [100, 2500]) {
        const t0 = performance.now();
        await post(Array.from({ length: size }, (_, i) => compact(r * 10_000 + i)));
        latency[size]!.push(performance.now() - t0);
      }
    }
    const l100 = median(latency[100]!);
    const l2500 = median(latency[2500]!);
    console.log(
      `one request's latency, median of 5: 100 messages ${fmt(l100)} ms, 2,500 messages ${fmt(l2500)} ms (ratio ${fmt(l2500 / l100, 1)}; the function's timeout is 20 s, the HTTP API's 30 s)`,
    );

    // Write units per stored event, from the stored items' sizes (DynamoDB's 1 KB rounding).
    let scanned = 0;
    let units = 0;
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: rawTable, Limit: 2000, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        units += writeUnits(unmarshall(item));
        scanned++;
      }
      start = page.LastEvaluatedKey;
    } while (start && scanned < 5000);
    const wruPerEvent = units / scanned;
    console.log(
      `write units per event (typical track event, ${fmt(scanned)} items sized): ${fmt(wruPerEvent, 3)}`,
    );

    // Cost per million events. The ingest function's billed duration is estimated from the
    // measured time per batch on this machine (a conservative stand-in for Lambda arm64).
    const memoryGb = 0.5;
    const perBatchSecs = (ingestSecs / batches.length) * CONCURRENCY;
    for (const batch of [1, 100]) {
      const requestsPerEvent = 1 / batch;
      const ddbRequestsPerEvent = Math.ceil(batch / 25) / batch;
      const lambdaSecsPerEvent = Math.max(0.001, perBatchSecs * (batch / BATCH)) / batch;
      const cost =
        1e6 *
        (requestsPerEvent * (PRICES_USD.httpApiRequest + PRICES_USD.lambdaRequest) +
          lambdaSecsPerEvent * memoryGb * PRICES_USD.lambdaArmGbSecond +
          wruPerEvent * PRICES_USD.dynamoWriteRequestUnit);
      console.log(
        `batch ${String(batch).padStart(3)}: ${fmt(requestsPerEvent, 2)} API+Lambda requests/event, ${fmt(ddbRequestsPerEvent, 2)} DynamoDB requests/event, ${fmt(wruPerEvent, 2)} WRU/event → $${fmt(cost, 2)} per million events (target at batch 100 ≤ $1.00, before projection)`,
      );
    }

    // Bundle sizes and cold import.
    console.log('\nbundle sizes (index.mjs, AWS SDK external as provided by the Lambda runtime):');
    let ingestFile: string | undefined;
    for (const [id, res] of Object.entries(assembly.template.Resources)) {
      if (res.Type !== 'AWS::Lambda::Function') continue;
      const dir = join(assembly.dir, String(res.Metadata?.['aws:asset:path']));
      const file = readdirSync(dir).find((f) => f.endsWith('.mjs'));
      if (!file) continue;
      const size = statSync(join(dir, file)).size;
      if (id.startsWith('Ingest')) ingestFile = join(dir, file);
      console.log(
        `  ${id.padEnd(34)} ${fmt(size / 1024, 1)} KB${id.startsWith('Ingest') ? ' (target ≤ 200 KB)' : ''}`,
      );
    }
    if (ingestFile) {
      const baseDir = join(repoRoot, '.feltfit', `bench-baseline-${process.pid}`);
      const entry = join(baseDir, 'entry.mjs');
      rmSync(baseDir, { recursive: true, force: true });
      execFileSync('mkdir', ['-p', baseDir]);
      writeFileSync(
        entry,
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({});\n",
      );
      await build({
        entryPoints: [entry],
        outfile: join(baseDir, 'index.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        minify: true,
        target: 'node20',
        external: ['@aws-sdk/*', '@smithy/*'],
        logLevel: 'error',
      });
      const base = coldImportMs(join(baseDir, 'index.mjs'));
      const ingest = coldImportMs(ingestFile);
      console.log(
        `cold import, median of 7 fresh processes: ingest ${fmt(ingest, 1)} ms, DynamoDB-client-only ${fmt(base, 1)} ms, ratio ${fmt(ingest / base, 2)} (target ≤ 1.5)`,
      );
      rmSync(baseDir, { recursive: true, force: true });
    }
  } finally {
    client.destroy();
    await rt.stop();
    await ddb.stop();
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchIngest();
}
