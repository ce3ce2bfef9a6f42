/**
 * Nothing leaked: after an identify with an email and a phone, a suppression of both addresses and a
 * quarantined message holding the email, no item of any table holds the clear email or phone in a key,
 * nor their unkeyed SHA-256 anywhere.
 */
import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest/app.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSuppressionList } from '../../../shared/adapters/dynamodb/message-suppression.js';
import { DynamoDbQuarantineStore } from '../../../shared/adapters/dynamodb/quarantine-store.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { addressHash } from '../../../shared/domain/channels/hashing.js';
import { createSource, resolveWriteKey } from '../../../shared/domain/sources.js';
import { silentLogger } from '../../../shared/http/logger.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { apiEvent, basicAuth } from '../../unit/ingest/support.js';
import { m, projector } from './support.js';

const email = 'ada.lovelace@example.com';
const phone = '+15551234567';
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
// Every form the unkeyed code hashed: the bare value, the index's `type:value`, the partition's `u:`.
const unkeyed = [email, `email:${email}`, phone, `phone:${phone}`, `u:${email}`].map(sha);

let t: Awaited<ReturnType<typeof createTestTables>>;
let client: ReturnType<typeof documentClient>;

beforeAll(async () => {
  t = await createTestTables();
  client = documentClient(t.client);
  // 1. Identify, projected into a profile with its identity index (userId = the email, as many sites do).
  await projector(client, t.tables).project([
    m({ type: 'identify', userId: email, traits: { email, phone } } as never),
  ]);
  // 2. Both addresses suppressed, as provider feedback does (bounce, STOP).
  const suppressions = new DynamoDbSuppressionList({ client, tableName: t.tables.messages });
  const entry = { channel: 'email', at: '2024-06-01T00:00:00Z', source: 'test' } as const;
  await suppressions.suppress(
    { addressHash: addressHash(testHasher, 'email', email) },
    { ...entry, reason: 'hard_bounce' },
  );
  await suppressions.suppress(
    { addressHash: addressHash(testHasher, 'phone', phone) },
    { ...entry, channel: 'sms', reason: 'sms_stop' },
  );
  // 3. A rejected message holding the email, quarantined by ingest with its fingerprint.
  const sources = new DynamoDbSourceStore({ client, tableName: t.tables.control });
  const { writeKey } = await createSource({ sources, now: () => new Date() }, 'web-leak');
  const handler = createIngestHandler(
    {
      events: { putEvents: async () => ({ stored: 0, writeUnits: 0 }) },
      quarantine: new DynamoDbQuarantineStore({ client, tableName: t.tables.control, retentionDays: 1 }),
      hasher: testHasher,
      resolveWriteKey: (key) => resolveWriteKey(sources, key),
      now: () => new Date(),
      newId: () => crypto.randomUUID(),
    },
    silentLogger,
  );
  const bad = JSON.stringify({ batch: [{ type: 'identify', traits: { email } }] });
  const res = await handler(
    apiEvent('/v1/batch', bad, { headers: { Authorization: basicAuth(writeKey) } }),
    {} as Context,
  );
  expect(res.statusCode).toBeLessThan(500);
});

describe('keyed hashing on DynamoDB Local', () => {
  it('leaves no clear email or phone in a key and no unkeyed SHA-256 of them in any item of any table', async () => {
    let scanned = 0;
    let quarantined = 0;
    for (const table of Object.values(t.tables)) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of out.Items ?? []) {
          scanned++;
          if (String(item.pk).startsWith('QUARANTINE#')) quarantined++;
          const keys = `${String(item.pk)} ${String(item.sk ?? '')}`;
          expect(keys).not.toContain(email);
          expect(keys).not.toContain(phone);
          const text = JSON.stringify(item);
          for (const digest of unkeyed) expect(text).not.toContain(digest);
        }
        start = out.LastEvaluatedKey;
      } while (start);
    }
    // The flow did write: a profile, its pointers, two suppressions, a quarantine entry.
    expect(scanned).toBeGreaterThan(5);
    expect(quarantined).toBe(1);
  });
});
