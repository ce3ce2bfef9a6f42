import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest/app.js';
import { run } from '../../../infra/cli/commands/sources.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbEventStore } from '../../../shared/adapters/dynamodb/event-store.js';
import { DynamoDbQuarantineStore } from '../../../shared/adapters/dynamodb/quarantine-store.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { createSource, hashWriteKey, resolveWriteKey, revokeSource } from '../../../shared/domain/sources.js';
import type { QuarantineEntry } from '../../../shared/ports/quarantine.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent, basicAuth, trackMessage } from '../../unit/ingest/support.js';

let tables: { events: string; control: string };
let client: ReturnType<typeof documentClient>;
let sources: DynamoDbSourceStore;
let dataDir: string;

beforeAll(async () => {
  const t = await createTestTables();
  tables = t.tables;
  client = documentClient(t.client);
  sources = new DynamoDbSourceStore({ client, tableName: t.tables.control });
  dataDir = await mkdtemp(join(tmpdir(), 'feltfit-cli-'));
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      env: { CONTROL_TABLE: t.tables.control, EVENTS_TABLE: t.tables.events },
    }),
  );
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const deps = () => ({ sources, now: () => new Date() });

describe('DynamoDbSourceStore', () => {
  it('resolves a created key, stores only its hash, and stops resolving it once revoked', async () => {
    const { writeKey } = await createSource(deps(), 'android');
    expect(await resolveWriteKey(sources, writeKey)).toEqual({ sourceId: 'android', name: 'android' });
    expect(await sources.findByKeyHash(hashWriteKey(writeKey))).toBeDefined();
    await revokeSource(deps(), 'android');
    expect(await resolveWriteKey(sources, writeKey)).toBeUndefined();
    expect(await sources.list()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'android', status: 'revoked', revokedAt: expect.any(String) }),
      ]),
    );
  });

  it('refuses a second active source with the same name, but lets a revoked name be re-created', async () => {
    await createSource(deps(), 'pos');
    await expect(createSource(deps(), 'pos')).rejects.toMatchObject({ code: 'source_exists' });
    await revokeSource(deps(), 'pos');
    await expect(createSource(deps(), 'pos')).resolves.toMatchObject({ source: { status: 'active' } });
  });

  it('refuses to revoke a source that does not exist or is already revoked', async () => {
    await expect(revokeSource(deps(), 'ghost')).rejects.toMatchObject({ code: 'source_not_found' });
  });
});

describe('ingest with real write keys', () => {
  it('accepts a created key and answers 401 once it is revoked', async () => {
    const { writeKey } = await createSource(deps(), 'web-live');
    const handler = createIngestHandler(
      {
        events: new DynamoDbEventStore({
          client,
          tableName: tables.events,
          retentionDays: 400,
          hasher: testHasher,
        }),
        quarantine: new DynamoDbQuarantineStore({ client, tableName: tables.control, retentionDays: 400 }),
        hasher: testHasher,
        resolveWriteKey: (key) => resolveWriteKey(sources, key), // uncached, to see revocation at once
        now: () => new Date(),
        newId: () => crypto.randomUUID(),
      },
      silentLogger,
    );
    const event = () =>
      apiEvent('/v1/track', JSON.stringify(trackMessage()), {
        headers: { Authorization: basicAuth(writeKey) },
      });
    expect((await handler(event(), {} as Context)).statusCode).toBe(200);
    await revokeSource(deps(), 'web-live');
    const res = await handler(event(), {} as Context);
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body ?? '')).toMatchObject({ error: { code: 'invalid_write_key' } });
  });
});

describe('DynamoDbQuarantineStore', () => {
  const entry = (reason: string, receivedAt: string): QuarantineEntry => ({
    reason,
    receivedAt,
    size: 3,
    sha256: 'a'.repeat(64),
    excerpt: '{"x',
  });

  it('lists newest first across days, filters by reason, pages with a cursor and counts by reason', async () => {
    const t = await createTestTables();
    const store = new DynamoDbQuarantineStore({
      client: documentClient(t.client),
      tableName: t.tables.control,
      retentionDays: 400,
      now: () => new Date('2024-05-03T12:00:00Z'),
    });
    await store.put([
      entry('invalid_json', '2024-05-01T10:00:00.000Z'),
      entry('invalid_message', '2024-05-02T10:00:00.000Z'),
      entry('invalid_json', '2024-05-03T09:00:00.000Z'),
      entry('invalid_json', '2024-05-03T10:00:00.000Z'),
    ]);
    const all = await store.list({ limit: 10 });
    expect(all.items.map((i) => i.receivedAt)).toEqual([
      '2024-05-03T10:00:00.000Z',
      '2024-05-03T09:00:00.000Z',
      '2024-05-02T10:00:00.000Z',
      '2024-05-01T10:00:00.000Z',
    ]);
    const first = await store.list({ reason: 'invalid_json', limit: 2 });
    expect(first.items.map((i) => i.receivedAt)).toEqual([
      '2024-05-03T10:00:00.000Z',
      '2024-05-03T09:00:00.000Z',
    ]);
    const rest = await store.list({ reason: 'invalid_json', limit: 2, cursor: first.cursor! });
    expect(rest.items.map((i) => i.receivedAt)).toEqual(['2024-05-01T10:00:00.000Z']);
    expect(await store.countsByReason()).toEqual({ invalid_json: 3, invalid_message: 1 });
    await expect(
      store.list({ reason: 'invalid_message', limit: 2, cursor: first.cursor! }),
    ).rejects.toMatchObject({
      code: 'invalid_cursor',
    });
  });

  it('stores and counts a message once when a client re-sends the batch it was in', async () => {
    const t = await createTestTables();
    const store = new DynamoDbQuarantineStore({
      client: documentClient(t.client),
      tableName: t.tables.control,
      retentionDays: 400,
      now: () => new Date('2024-05-03T12:00:00Z'),
    });
    const message = (id: string, sha: string, at: string): QuarantineEntry => ({
      ...entry('invalid_message', at),
      sourceId: 'web',
      messageId: id,
      sha256: sha,
    });
    // 90 messages: more than one transaction's worth, so chunks run side by side.
    const batch = (at: string) => Array.from({ length: 90 }, (_, i) => message(`m-${i}`, 'b'.repeat(64), at));
    await store.put(batch('2024-05-03T10:00:00.000Z'));
    // The retry of the same batch, plus one new message and one that reuses an id with other content.
    await store.put([
      ...batch('2024-05-03T10:00:05.000Z'),
      message('m-new', 'b'.repeat(64), '2024-05-03T10:00:05.000Z'),
      message('m-0', 'c'.repeat(64), '2024-05-03T10:00:05.000Z'),
      entry('invalid_json', '2024-05-03T10:00:05.000Z'),
    ]);
    const listed = await store.list({ limit: 1000 });
    expect(listed.items).toHaveLength(93);
    expect(new Set(listed.items.map((i) => `${i.messageId}:${i.sha256}`)).size).toBe(93);
    expect(await store.countsByReason()).toEqual({ invalid_message: 92, invalid_json: 1 });
  });
});

describe('feltfit sources', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: {
        out: (t: string) => out.push(t),
        err: (t: string) => err.push(t),
        env: { FELTFIT_DATA_DIR: dataDir },
      },
      out,
      err,
    };
  }

  it('creates a source via the local runtime file, printing the key once with a warning', async () => {
    const r = io();
    expect(await run(['create', 'cli-shop'], r.io)).toBe(0);
    const key = /write key: (ff_\S+)/.exec(r.out.join(''))?.[1];
    expect(key).toMatch(/^ff_[A-Za-z0-9_-]{43}$/);
    expect(r.err.join('')).toMatch(/not be shown again/);
    expect(await resolveWriteKey(sources, key!)).toEqual({ sourceId: 'cli-shop', name: 'cli-shop' });
  });

  it('lists and revokes sources', async () => {
    await run(['create', 'cli-app'], io().io);
    const listed = io();
    expect(await run(['list'], listed.io)).toBe(0);
    expect(listed.out.join('')).toMatch(/cli-app\s+active/);
    expect(await run(['revoke', 'cli-app'], io().io)).toBe(0);
    const after = io();
    await run(['list'], after.io);
    expect(after.out.join('')).toMatch(/cli-app\s+revoked/);
  });

  it('explains a bad name, an unknown source and a missing target, exiting non-zero', async () => {
    const bad = io();
    expect(await run(['create', 'Bad Name'], bad.io)).toBe(1);
    expect(bad.err.join('')).toMatch(/invalid source name/);
    const ghost = io();
    expect(await run(['revoke', 'ghost'], ghost.io)).toBe(1);
    expect(ghost.err.join('')).toMatch(/no active source/);
    const messages: string[] = [];
    const nowhere = {
      out: () => {},
      err: (t: string) => messages.push(t),
      env: { FELTFIT_DATA_DIR: join(dataDir, 'missing') },
    };
    expect(await run(['list'], nowhere)).toBe(1);
    expect(messages.join('')).toMatch(/--table NAME.*FELTFIT_CONTROL_TABLE/);
  });

  it('says in one line that a subcommand is unknown and where the help is', async () => {
    const r = io();
    expect(await run(['explode'], r.io)).toBe(2);
    expect(r.err.join('')).toBe("feltfit sources: unknown command 'explode' (see feltfit sources --help)\n");
  });
});
