/**
 * `feltfit keys` on DynamoDB Local through a local runtime's data directory: data written under k1,
 * then rotate and rehash — lookups, suppressions and tombstones still behave, no k1 pointer remains,
 * what cannot be moved is reported, and a second rehash changes nothing.
 */
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { run as runKeys } from '../../../infra/cli/commands/keys.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSuppressionList } from '../../../shared/adapters/dynamodb/message-suppression.js';
import { DynamoDbProfileStore } from '../../../shared/adapters/dynamodb/profile-store.js';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import { addressHash, addressHashes } from '../../../shared/domain/channels/hashing.js';
import { type KeyedHasher, keyedHasher, parseKeyring } from '../../../shared/domain/privacy/keyed-hash.js';
import { erasePerson } from '../../../shared/domain/privacy/operations.js';
import { createTestTables } from '../../support/dynamodb.js';
import { TEST_HASH_KEY, testHasher } from '../../support/hasher.js';
import { m, privacyDeps, projector, uid } from './support.js';

let t: Awaited<ReturnType<typeof createTestTables>>;
let client: ReturnType<typeof documentClient>;
let dir: string;
const secretFile = () => join(dir, 'secrets', 'IdentityHashKey.secret');

async function keys(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runKeys(args, {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    env: { FELTFIT_DATA_DIR: dir },
  });
  return { code, out, err };
}

const ada = { userId: uid('ada'), email: `${uid('ada')}@example.com`, phone: '+15550001111' };
const erased = { anonymousId: uid('anon'), email: `${uid('gone')}@example.com` };
const stranger = `${uid('stranger')}@example.com`;

const suppressions = () => new DynamoDbSuppressionList({ client, tableName: t.tables.messages });
const storeWith = (hasher: KeyedHasher) =>
  new DynamoDbProfileStore({ client, tableName: t.tables.profiles, config, hasher });

async function pks(table: string): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    out.push(...(page.Items ?? []).map((i) => String(i.pk)));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

let adaProfileId: string;

beforeAll(async () => {
  t = await createTestTables();
  client = documentClient(t.client);
  // As the local runtime leaves them: the hash key's secret named in runtime.json, its value on disk.
  dir = await mkdtemp(join(tmpdir(), 'feltfit-keys-'));
  await mkdir(join(dir, 'secrets'));
  await writeFile(secretFile(), TEST_HASH_KEY, { mode: 0o600 });
  await writeFile(
    join(dir, 'runtime.json'),
    JSON.stringify({
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      env: {
        ...t.env,
        IDENTITY_HMAC_KEY_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:IdentityHashKey',
      },
    }),
  );
  // Under k1: Ada with her pointers and two suppressed addresses; a person erased (tombstones, no
  // profile); a suppression of an address no profile holds.
  const p = projector(client, t.tables);
  await p.project([
    m({ type: 'identify', userId: ada.userId, traits: { email: ada.email, phone: ada.phone } } as never),
    m({ type: 'identify', anonymousId: erased.anonymousId, traits: { email: erased.email } } as never),
  ]);
  adaProfileId = (await p.store.findByIdentifier('userId', ada.userId))!.profileId;
  const entry = { at: '2024-06-01T00:00:00Z', source: 'test' } as const;
  await suppressions().suppress(
    { addressHash: addressHash(testHasher, 'email', ada.email) },
    { ...entry, channel: 'email', reason: 'hard_bounce' },
  );
  await suppressions().suppress(
    { addressHash: addressHash(testHasher, 'phone', ada.phone) },
    { ...entry, channel: 'sms', reason: 'sms_stop' },
  );
  await suppressions().suppress(
    { addressHash: addressHash(testHasher, 'email', stranger) },
    { ...entry, channel: 'email', reason: 'complaint' },
  );
  const privacy = privacyDeps(client, t.tables);
  const gone = await privacy.directory.findByIdentifier('email', erased.email);
  await erasePerson(privacy.erase, gone!.profileId, 'test');
});

describe('feltfit keys', () => {
  it('rotates to a generated k2, then rehashes every item a profile names, once', async () => {
    const before = await keys('status', '--json');
    expect(before.code).toBe(0);
    expect(JSON.parse(before.out)).toMatchObject({
      current: 'k1',
      keyIds: ['k1'],
      counts: { pointers: { k1: 3 }, tombstones: { k1: 2 }, suppressions: { k1: 3 } },
    });

    const rotated = await keys('rotate');
    expect(rotated).toMatchObject({ code: 0, out: expect.stringContaining('k2 is current') });
    const ring = parseKeyring(await readFile(secretFile(), 'utf8'), 'secret');
    expect(ring).toMatchObject({ current: 'k2', k1: TEST_HASH_KEY });
    expect(ring.k2).toMatch(/^[A-Za-z0-9]{64}$/);
    expect((await stat(secretFile())).mode & 0o777).toBe(0o600);

    const rehashed = await keys('rehash');
    expect(rehashed.code).toBe(0);
    expect(rehashed.out).toContain('rehash to k2 from k1');
    expect(rehashed.out).toContain('rewritten 3 pointers, 0 tombstones, 2 suppressions');
    expect(rehashed.out).toMatch(/tombstones: k1 2 — identifiers of erased people/);
    expect(rehashed.out).toMatch(/suppressions: k1 1 — addresses no profile holds/);
    expect(rehashed.out).not.toContain(ada.email);

    // No pointer under k1 remains; what no profile holds stays under k1.
    const profilesPks = await pks(t.tables.profiles);
    expect(profilesPks.filter((pk) => pk.startsWith('ID#') && pk.includes('#k1.'))).toEqual([]);
    const after = JSON.parse((await keys('status', '--json')).out);
    expect(after).toMatchObject({
      current: 'k2',
      keyIds: ['k2', 'k1'],
      counts: { pointers: { k2: 3 }, tombstones: { k1: 2 }, suppressions: { k1: 1, k2: 2 } },
    });
    expect(after.counts.pointers.k1).toBeUndefined();

    // Run again: nothing moves.
    const again = await keys('rehash');
    expect(again.out).toContain('rewritten 0 pointers, 0 tombstones, 0 suppressions');
    expect(JSON.parse((await keys('status', '--json')).out).counts).toEqual(after.counts);

    // Under the new key alone, lookups and suppressions find what k1 wrote; the profile keeps its id.
    const k2Only = keyedHasher({ current: 'k2', k2: ring.k2! });
    expect((await storeWith(k2Only).findByIdentifier('email', ada.email))?.profileId).toBe(adaProfileId);
    const found = await suppressions().find({
      addressHashes: addressHashes(k2Only, 'email', ada.email),
      profileId: adaProfileId,
      channel: 'email',
    });
    expect(found.map((s) => s.reason)).toEqual(['hard_bounce']);
    // The erased person's tombstones stay under k1: found with the keyring, which keeps k1.
    const both = keyedHasher(ring);
    const tombstoned = [{ type: 'email', value: erased.email }] as const;
    expect(await storeWith(both).hasTombstone(tombstoned)).toBe(true);
    expect(await storeWith(k2Only).hasTombstone(tombstoned)).toBe(false);

    // A new event of Ada's, projected under the rotated keyring, lands on her profile.
    const p2 = projector(client, t.tables, both);
    await p2.project([m({ type: 'track', userId: ada.userId, event: 'Product Viewed' } as never)]);
    expect((await p2.store.findByIdentifier('userId', ada.userId))?.profileId).toBe(adaProfileId);
    expect(await pks(t.tables.profiles)).toEqual(expect.arrayContaining([`PROFILE#${adaProfileId}`]));
  });

  it('answers a usage error and a missing keyring without a stack trace', async () => {
    expect((await keys('spin')).code).toBe(2);
    const aws = await runKeys(['status', '--aws'], { out: () => {}, err: (s) => void s, env: {} });
    expect(aws).toBe(1);
  });
});
