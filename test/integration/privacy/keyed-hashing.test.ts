/**
 * Nothing leaked: after an identify with an email and a phone, a suppression of both addresses, a
 * quarantined message holding the email and the erasure of a person known by email only, no item of any
 * table holds the clear email or phone in a key, nor an unkeyed SHA-256 of them or of a profile id
 * anywhere; and a profile id is no unkeyed SHA-256 of any text holding the email.
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
import { erasePerson } from '../../../shared/domain/privacy/operations.js';
import { profileIdHash } from '../../../shared/domain/privacy/person.js';
import { profileIdFor } from '../../../shared/domain/profiles/identifiers.js';
import { createSource, resolveWriteKey } from '../../../shared/domain/sources.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent, basicAuth } from '../../unit/ingest/support.js';
import { m, privacyDeps, projector } from './support.js';

const email = 'ada.lovelace@example.com';
const phone = '+15551234567';
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
// Every form the unkeyed code hashed: the bare value, the index's `type:value`, the partition's `u:`.
const unkeyed = [email, `email:${email}`, phone, `phone:${phone}`, `u:${email}`].map(sha);
// A person identified by email alone (anonymous browsing, then a newsletter sign-up), later erased.
const erasedEmail = 'grace.hopper@example.com';
/** Texts an unkeyed profile id of a person known by this email could have been hashed from. */
const profileTexts = (address: string) => [
  address,
  `email:${address}`,
  `userId:${address}`,
  `profile\u0000email\u0000${address}`,
  `profile\u0000userId\u0000${address}`,
  `profile:${address}`,
];

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
  // 4. A person known by email only, erased: the audit record names the profile by its keyed hash.
  await projector(client, t.tables).project([
    m({ type: 'identify', anonymousId: 'anon-grace', traits: { email: erasedEmail } } as never),
  ]);
  const privacy = privacyDeps(client, t.tables);
  erasedProfileId = (await privacy.directory.findByIdentifier('email', erasedEmail))!.profileId;
  liveProfileId = (await privacy.directory.findByIdentifier('email', email))!.profileId;
  await expect(erasePerson(privacy.erase, erasedProfileId, 'test')).resolves.toMatchObject({
    status: 'erased',
  });
});

let erasedProfileId: string;
let liveProfileId: string;

/** Every item of every table. */
async function allItems(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const table of Object.values(t.tables)) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return items;
}

describe('keyed hashing on DynamoDB Local', () => {
  it('leaves no clear email or phone in a key and no unkeyed SHA-256 of them or of a profile id in any item', async () => {
    const profileIdDigests = [erasedProfileId, liveProfileId].flatMap((id) => [
      sha(id),
      sha(`profile:${id}`),
    ]);
    const items = await allItems();
    for (const item of items) {
      const keys = `${String(item.pk)} ${String(item.sk ?? '')}`;
      expect(keys).not.toContain(email);
      expect(keys).not.toContain(phone);
      const text = JSON.stringify(item);
      for (const digest of [...unkeyed, ...profileIdDigests]) expect(text).not.toContain(digest);
    }
    // The flow did write: a profile, its pointers, two suppressions, a quarantine entry, an audit record.
    expect(items.length).toBeGreaterThan(5);
    expect(items.filter((i) => String(i.pk).startsWith('QUARANTINE#'))).toHaveLength(1);
    const audit = items.filter((i) => String(i.pk).startsWith('ERASURE#'));
    expect(audit.map((i) => i.pk)).toEqual([`ERASURE#${profileIdHash(testHasher, erasedProfileId)}`]);
    expect(String(audit[0]!.pk)).toMatch(/^ERASURE#k1\.[0-9a-f]{64}$/);
  });

  it('names a profile with no unkeyed SHA-256 of any text holding its email', () => {
    for (const [profileId, address] of [
      [liveProfileId, email],
      [erasedProfileId, erasedEmail],
    ] as const) {
      expect(profileId).toMatch(/^pf_[0-9a-f]{32}$/);
      for (const text of profileTexts(address)) expect(profileId.slice(3)).not.toBe(sha(text).slice(0, 32));
      expect(profileId).toBe(
        profileIdFor({ type: address === email ? 'userId' : 'email', value: address }, testHasher),
      );
    }
  });
});
