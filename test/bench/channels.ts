/**
 * Guarded sends per second: render + guardrails + ledger + outbox, against DynamoDB Local. Prints figures,
 * never asserts them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { messageStores } from '../../shared/adapters/dynamodb/message-wiring.js';
import { TABLES } from '../../shared/adapters/dynamodb/tables.js';
import { OutboxSender } from '../../shared/adapters/outbox/outbox.js';
import { defaultChannelsConfig } from '../../shared/config/channels.js';
import { timeSortableId } from '../../shared/domain/channels/ids.js';
import { type SendDeps, send } from '../../shared/domain/channels/send.js';
import type { Recipient } from '../../shared/ports/channels.js';
import { testHasher } from '../support/hasher.js';
import { memoryMetrics } from '../support/metrics.js';

const SENDS = Number(process.env.BENCH_CHANNELS_SENDS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CHANNELS_CONCURRENCY ?? 8);

/** Creates the messages table (key schema from tables.ts) under a unique name; no vitest needed. */
async function createMessagesTable(client: DynamoDBClient): Promise<string> {
  const spec = TABLES.messages;
  const name = `bench${randomBytes(4).toString('hex')}-messages`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: spec.partitionKey, AttributeType: 'S' },
        { AttributeName: spec.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: spec.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Prints guarded marketing-email sends per second with p50 and p99 latency per send. */
export async function benchChannels(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  const dir = await mkdtemp(join(tmpdir(), 'feltfit-bench-outbox-'));
  try {
    const raw = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = await createMessagesTable(raw);
    const stores = messageStores(table, defaultChannelsConfig, documentClient(raw));
    const outbox = new OutboxSender(dir);
    const person = (i: number): Recipient => ({
      profileId: `bench-${i}`,
      email: `person${i}@example.com`,
      timeZone: 'America/New_York',
      consent: { email: true },
      traits: { firstName: `P${i}` },
      features: { churnRisk: 0.3 },
    });
    const deps: SendDeps = {
      ...stores,
      hasher: testHasher,
      recipients: { getRecipient: async (id) => person(Number(id.slice(6))) },
      email: outbox,
      sms: outbox,
      push: outbox,
      config: defaultChannelsConfig,
      unsubscribeSecret: randomBytes(32).toString('base64url'),
      metrics: memoryMetrics().metrics,
      logger: { info() {}, warn() {} },
      now: () => new Date(),
      newId: () => timeSortableId(),
    };
    const content = {
      variantId: 'v1',
      status: 'approved',
      subject: 'Hi {{ traits.firstName | default: "there" }}',
      html: '<html><body><p>Hello {{ traits.firstName }}, churn {{ features.churnRisk | times: 100 }}%</p></body></html>',
      text: 'Hello {{ traits.firstName }}',
    };
    // Warm-up: JIT, template cache, connections.
    for (let i = 0; i < 20; i++) {
      await send(deps, {
        profileId: `bench-${1_000_000 + i}`,
        channel: 'email',
        purpose: 'transactional',
        journey: 'warm',
        executionId: `w${i}`,
        step: 's',
        content,
        variant: 'A',
        priority: 0,
      });
    }
    const latencies: number[] = [];
    let next = 0;
    let sent = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SENDS) {
          const i = next++;
          const t0 = performance.now();
          const out = await send(deps, {
            profileId: `bench-${i}`,
            channel: 'email',
            purpose: 'marketing',
            journey: 'bench',
            executionId: `exec-${i}`,
            step: 'send',
            content,
            variant: 'A',
            priority: 0,
            // Noon in New York, so quiet hours never interfere.
            at: '2024-05-14T16:00:00.000Z',
          });
          latencies.push(performance.now() - t0);
          if (out.outcome === 'Sent') sent++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `channels: ${SENDS} guarded marketing emails (render + consent + suppression + caps + quiet hours + ledger/pressure transaction + outbox .eml), concurrency ${CONCURRENCY}, DynamoDB Local\n` +
        `  ${(SENDS / seconds).toFixed(0)} sends/s   p50 ${pct(latencies, 50).toFixed(1)} ms   p99 ${pct(latencies, 99).toFixed(1)} ms   sent ${sent}/${SENDS}\n`,
    );
    raw.destroy();
  } finally {
    await rm(dir, { recursive: true, force: true });
    await ddb.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchChannels();
