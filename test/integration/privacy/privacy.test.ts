import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { run as runProfiles } from '../../../infra/cli/commands/profiles.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { personKey } from '../../../shared/adapters/dynamodb/event-store.js';
import type { ProfilesExport } from '../../../shared/adapters/dynamodb/privacy-holders.js';
import { dynamoDbPrivacyDeps, type PrivacyDeps } from '../../../shared/adapters/dynamodb/privacy-wiring.js';
import { defaultPrivacyConfig } from '../../../shared/config/privacy.js';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import {
  erasePerson,
  exportPersonalData,
  findProfileView,
} from '../../../shared/domain/privacy/operations.js';
import { identifierHash } from '../../../shared/domain/profiles/identifiers.js';
import { createTestTables } from '../../support/dynamodb.js';
import { TEST_HASH_KEY, testHasher } from '../../support/hasher.js';
import { m, projector, uid } from './support.js';

let client: ReturnType<typeof documentClient>;
let tables: Awaited<ReturnType<typeof createTestTables>>['tables'];
let env: Record<string, string>;
let deps: PrivacyDeps;
let p: ReturnType<typeof projector>;

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  tables = t.tables;
  env = t.env;
  p = projector(client, tables);
  deps = dynamoDbPrivacyDeps({
    client,
    hasher: testHasher,
    tables,
    profilesConfig: config,
    privacyConfig: defaultPrivacyConfig,
    now: () => new Date('2024-06-02T00:00:00Z'),
  });
});

/** Ann browses anonymously on two devices, consents to email, logs in on both: one profile absorbs the other. */
async function ann() {
  const [userId, phoneAnon, laptopAnon] = [uid('ann'), uid('anon'), uid('anon')];
  const email = `${uid('ann')}@example.com`;
  const messages = [
    m({ anonymousId: laptopAnon, event: 'Product Viewed', properties: { product_id: 'p1' } }),
    m({
      anonymousId: laptopAnon,
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { email: true } } },
    }),
    m({
      anonymousId: phoneAnon,
      event: 'Product Added',
      properties: { cart_id: 'c1', product_id: 'p2', price: 5 },
    }),
  ];
  await p.project(messages);
  const login1 = m({
    type: 'identify',
    userId,
    anonymousId: laptopAnon,
    traits: { email, firstName: 'Ann' },
  });
  await p.project([login1]);
  const login2 = m({ type: 'identify', userId, anonymousId: phoneAnon });
  await p.project([login2]);
  const live = await p.store.findByIdentifier('userId', userId);
  // The phone's anonymous profile was absorbed at the second login: its merge record names it.
  const merge = (await p.store.listProfileItems(live!.profileId)).find((i) => i.sk.startsWith('MERGE#'));
  const loser = await p.store.getProfile(String(merge?.loser));
  return {
    userId,
    email,
    phoneAnon,
    laptopAnon,
    profileId: live!.profileId,
    mergedId: loser!.profileId,
    messageIds: [...messages, login1, login2].map((x) => x.messageId),
  };
}

async function scanAll(): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [name, table] of Object.entries(tables)) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: table, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    out[name] = items;
  }
  return out;
}

describe('privacy operations on DynamoDB Local', () => {
  it('looks up the merged person by any identifier', async () => {
    const a = await ann();
    for (const [type, value] of [
      ['userId', a.userId],
      ['anonymousId', a.phoneAnon],
      ['email', ` ${a.email.toUpperCase()} `],
    ] as const) {
      const view = await findProfileView(deps.directory, { type, value });
      expect(view.profileId).toBe(a.profileId);
    }
    const view = await findProfileView(deps.directory, { type: 'userId', value: a.userId });
    expect(view).toMatchObject({
      mergedProfileIds: [a.mergedId],
      identities: { userId: [a.userId], email: [a.email] },
      consent: { 'email:marketing': { granted: true, source: 'consent_event' } },
      features: { recentlyViewedProducts: ['p1'], cart: { cartId: 'c1' } },
    });
  });

  it('exports the profile items, identities, consent and merge records and every raw event', async () => {
    const a = await ann();
    const doc = await exportPersonalData(deps.export, a.mergedId);
    expect(doc.profileId).toBe(a.profileId);
    const profiles = doc.holders.profiles as ProfilesExport;
    expect(profiles.profiles.map((x) => x.profileId).sort()).toEqual([a.profileId, a.mergedId].sort());
    expect(profiles.profiles.find((x) => x.profileId === a.profileId)).toMatchObject({
      contact: { email: a.email },
      state: { identities: { userId: [a.userId] } },
    });
    expect(profiles.identities.map((i) => i.type).sort()).toEqual([
      'anonymousId',
      'anonymousId',
      'email',
      'userId',
    ]);
    expect(profiles.identities).toContainEqual({
      type: 'email',
      hash: identifierHash({ type: 'email', value: a.email }, testHasher),
      profileId: a.profileId,
    });
    expect(profiles.consent).toEqual([
      expect.objectContaining({ changes: [expect.objectContaining({ channel: 'email', granted: true })] }),
    ]);
    expect(profiles.merges).toEqual([
      expect.objectContaining({ winner: a.profileId, loser: a.mergedId, outcome: 'merged' }),
    ]);
    const events = doc.holders.events as { events: { messageId: string }[] };
    expect(events.events.map((e) => e.messageId).sort()).toEqual([...a.messageIds].sort());
  });

  it('erases every item of the person, leaving only tombstones and the audit record, and not the bystander', async () => {
    const a = await ann();
    const bystander = uid('bob');
    await p.project([
      m({ type: 'identify', userId: bystander, traits: { email: `${bystander}@example.com` } }),
    ]);

    const outcome = await erasePerson(deps.erase, a.profileId, 'test');
    expect(outcome).toMatchObject({
      status: 'erased',
      counts: { events: a.messageIds.length },
      tombstones: 4,
    });
    expect(outcome.counts.profiles).toBeGreaterThanOrEqual(2 + 1 + 1 + 4); // 2 profiles, consent, merge, 4 index items

    const ids = [
      { type: 'userId', value: a.userId },
      { type: 'email', value: a.email },
      { type: 'anonymousId', value: a.phoneAnon },
      { type: 'anonymousId', value: a.laptopAnon },
    ] as const;
    const forbidden = [
      a.profileId,
      a.mergedId,
      a.userId,
      a.email,
      a.phoneAnon,
      a.laptopAnon,
      ...ids.map((id) => identifierHash(id, testHasher)),
      personKey({ userId: a.userId }, testHasher),
      personKey({ anonymousId: a.phoneAnon }, testHasher),
      personKey({ anonymousId: a.laptopAnon }, testHasher),
    ];
    const all = await scanAll();
    const left = Object.values(all)
      .flat()
      .filter((item) => {
        const pk = String(item.pk);
        return !pk.startsWith('TOMBSTONE#') && !pk.startsWith('ERASURE#');
      })
      .map((item) => JSON.stringify(item));
    for (const text of left) for (const f of forbidden) expect(text).not.toContain(f);
    const tombstones = all.profiles!.filter((i) => String(i.pk).startsWith('TOMBSTONE#'));
    expect(tombstones.map((i) => i.pk)).toEqual(
      expect.arrayContaining(ids.map((id) => `TOMBSTONE#${id.type}#${identifierHash(id, testHasher)}`)),
    );
    const audit = all.control!.filter((i) => String(i.pk).startsWith('ERASURE#'));
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ status: 'completed', actor: 'test', counts: outcome.counts });
    expect(JSON.stringify(audit)).not.toContain(a.profileId);
    expect(await p.store.findByIdentifier('userId', bystander)).toBeDefined();

    await expect(erasePerson(deps.erase, a.mergedId, 'test')).resolves.toMatchObject({
      status: 'already_erased',
    });
  });

  it('does not re-collect a late event of the erased person unless it grants consent', async () => {
    const a = await ann();
    await erasePerson(deps.erase, a.profileId, 'test');

    const late = m({ anonymousId: a.laptopAnon, event: 'Product Viewed', properties: { product_id: 'p9' } });
    const report = await p.project([late]);
    expect(report.tombstoned).toBe(1);
    expect(await p.store.findByIdentifier('anonymousId', a.laptopAnon)).toBeUndefined();
    const page = await p.events.listByPerson({ anonymousId: a.laptopAnon, limit: 10 });
    expect(page.events).toEqual([]);

    const comeback = m({
      anonymousId: a.laptopAnon,
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { email: true } } },
    });
    await p.project([comeback]);
    const fresh = await p.store.findByIdentifier('anonymousId', a.laptopAnon);
    expect(fresh?.profileId).toBeDefined();
    expect(fresh?.state.traits).toEqual({});
  });
});

describe('feltfit profiles', () => {
  async function cli(args: string[]) {
    const dir = await mkdtemp(join(tmpdir(), 'feltfit-cli-'));
    // As the local runtime leaves them: the hash key's secret named in runtime.json, its value on disk.
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:IdentityHashKey';
    await mkdir(join(dir, 'secrets'));
    await writeFile(join(dir, 'secrets', 'IdentityHashKey.secret'), TEST_HASH_KEY, { mode: 0o600 });
    await writeFile(
      join(dir, 'runtime.json'),
      JSON.stringify({
        dynamodbEndpoint: inject('dynamodbEndpoint'),
        env: { ...env, IDENTITY_HMAC_KEY_ARN: arn },
      }),
    );
    let out = '';
    let err = '';
    const code = await runProfiles(args, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: { FELTFIT_DATA_DIR: dir, USER: 'ops' },
    });
    return { code, out, err, dir };
  }

  it('gets, exports and erases through the local runtime file', async () => {
    const a = await ann();
    const got = await cli(['get', '--type', 'email', '--value', a.email, '--json']);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.out).profile.profileId).toBe(a.profileId);
    const text = await cli(['get', a.mergedId]);
    expect(text.out).toContain(`profile ${a.profileId}`);
    expect(text.out).toContain('email:marketing');

    const toStdout = await cli(['export', a.profileId]);
    expect(JSON.parse(toStdout.out)).toMatchObject({
      format: 'feltfit.personal-data.v1',
      profileId: a.profileId,
    });
    const file = join(toStdout.dir, 'export.json');
    const toFile = await cli(['export', a.profileId, '--out', file]);
    expect(toFile).toMatchObject({ code: 0, out: '' });
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.holders.events.events).toHaveLength(a.messageIds.length);

    expect((await cli(['erase', a.profileId])).code).toBe(2);
    const erased = await cli(['erase', a.profileId, '--yes']);
    expect(erased).toMatchObject({ code: 0 });
    expect(erased.out).toMatch(
      new RegExp(
        `^erased: deleted events ${a.messageIds.length}, (messages 0, journeys 0, )?profiles \\d+; 4 identifiers tombstoned`,
      ),
    );
    const again = await cli(['erase', a.profileId, '--yes']);
    expect(again.out).toContain('already erased');
    const gone = await cli(['get', a.profileId]);
    expect(gone).toMatchObject({ code: 1, err: expect.stringContaining('no profile matches') });
  });
});
