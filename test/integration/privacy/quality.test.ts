import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { run as runQuality } from '../../../infra/cli/commands/quality.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import {
  DynamoDbProfileStats,
  DynamoDbSourceSeenStore,
} from '../../../shared/adapters/dynamodb/privacy-quality.js';
import { dynamoDbPrivacyDeps, type PrivacyDeps } from '../../../shared/adapters/dynamodb/privacy-wiring.js';
import { DynamoDbQuarantineStore } from '../../../shared/adapters/dynamodb/quarantine-store.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { defaultPrivacyConfig } from '../../../shared/config/privacy.js';
import { defaultProfilesConfig } from '../../../shared/config/profiles.js';
import { qualityReport } from '../../../shared/domain/quality/report.js';
import { trackSourceSeen } from '../../../shared/domain/quality/source-seen.js';
import { createSource } from '../../../shared/domain/sources.js';
import { createTestTables } from '../../support/dynamodb.js';
import { TEST_HASH_KEY, testHasher } from '../../support/hasher.js';
import { m, projector, uid } from './support.js';

let client: ReturnType<typeof documentClient>;
let tables: Awaited<ReturnType<typeof createTestTables>>['tables'];
let env: Record<string, string>;
let deps: PrivacyDeps;
let webSourceId: string;

const NOW = new Date('2024-05-01T12:00:00.000Z');

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  tables = t.tables;
  env = t.env;
  deps = dynamoDbPrivacyDeps({
    client,
    hasher: testHasher,
    tables,
    profilesConfig: defaultProfilesConfig,
    privacyConfig: defaultPrivacyConfig,
    now: () => NOW,
  });
  const sources = new DynamoDbSourceStore({ client, tableName: tables.control });
  webSourceId = (await createSource({ sources, now: () => NOW }, 'web')).source.sourceId;
  await createSource({ sources, now: () => NOW }, 'backend');

  // Ingest: events stored through the freshness-tracking wrapper, exactly as functions/ingest wires it.
  const p = projector(client, tables);
  const seen = new DynamoDbSourceSeenStore({ client, tableName: tables.control });
  const tracked = trackSourceSeen(p.events, seen);
  await tracked.putEvents([
    m({ userId: 'x', sourceId: webSourceId, receivedAt: '2024-05-01T11:50:00.000Z' }),
  ]);

  const [u1, u2, a1, a2] = [uid('u'), uid('u'), uid('a'), uid('a')];
  await p.project([
    // u1: email and email consent; u2: phone only; a1: anonymous; a2 then merges into u1.
    m({
      type: 'identify',
      userId: u1,
      anonymousId: a2,
      traits: { email: `${u1}@example.com`, shoeSize: 42 },
    }),
    m({
      userId: u1,
      event: 'Segment Consent Preference Updated',
      context: { consent: { categoryPreferences: { email: true } } },
    }),
    m({ type: 'identify', userId: u2, traits: { phone: '+14155550100', favouriteColour: 'red' } }),
    m({ anonymousId: a1, event: 'Product Viewed', properties: { product_id: 'p1' } }),
  ]);
  const a3 = uid('a');
  await p.project([m({ anonymousId: a3, event: 'Product Viewed', properties: { product_id: 'p2' } })]);
  await p.project([m({ type: 'identify', userId: u1, anonymousId: a3 })]);

  const quarantine = new DynamoDbQuarantineStore({ client, tableName: tables.control, retentionDays: 1 });
  const entry = { receivedAt: NOW.toISOString(), size: 1, sha256: 'x', excerpt: '{' };
  await quarantine.put([
    { ...entry, reason: 'invalid_json' },
    { ...entry, reason: 'invalid_message' },
    { ...entry, reason: 'invalid_message' },
  ]);
});

describe('the data-quality report on DynamoDB Local', () => {
  it('counts freshness, completeness, duplicates, quarantine and dropped traits', async () => {
    const report = await qualityReport(deps.quality);
    expect(report.freshness.sources).toEqual([
      expect.objectContaining({ name: 'backend', lastReceivedAt: null, stale: true }),
      expect.objectContaining({
        name: 'web',
        lastReceivedAt: '2024-05-01T11:50:00.000Z',
        ageSeconds: 600,
        stale: false,
      }),
    ]);
    expect(report.completeness).toEqual({
      profiles: 3,
      withEmail: 1,
      withPhone: 1,
      withContactAddress: 2,
      emailMarketingConsent: 1,
      smsMarketingConsent: 0,
      scannedItems: expect.any(Number),
      complete: true,
    });
    expect(report.duplicates).toEqual({ merged: 1, refused: 0 });
    expect(report.quarantine).toEqual({ total: 3, byReason: { invalid_json: 1, invalid_message: 2 } });
    expect(report.droppedTraits).toEqual({ total: 2, byName: { favouriteColour: 1, shoeSize: 1 } });
  });

  it('says the completeness counts are partial when the scan reaches its cap', async () => {
    const stats = await new DynamoDbProfileStats({ client, tableName: tables.profiles }).profileStats({
      maxScannedItems: 3,
    });
    expect(stats).toMatchObject({ complete: false, scannedItems: 3 });
  });

  it('never moves a source last-seen time backwards', async () => {
    const seen = new DynamoDbSourceSeenStore({ client, tableName: tables.control });
    await seen.markSeen('src-x', '2024-05-01T10:00:00.000Z');
    await seen.markSeen('src-x', '2024-05-01T09:00:00.000Z');
    expect((await seen.lastSeen())['src-x']).toBe('2024-05-01T10:00:00.000Z');
    await seen.markSeen('src-x', '2024-05-01T10:30:00.000Z');
    expect((await seen.lastSeen())['src-x']).toBe('2024-05-01T10:30:00.000Z');
  });

  it('prints through `feltfit quality --json` and as text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feltfit-cli-'));
    await writeFile(
      join(dir, 'runtime.json'),
      JSON.stringify({ dynamodbEndpoint: inject('dynamodbEndpoint'), env }),
    );
    let out = '';
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: () => {},
      env: { FELTFIT_DATA_DIR: dir, FELTFIT_IDENTITY_HMAC_KEY: TEST_HASH_KEY },
    };
    expect(await runQuality(['--json'], io)).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ duplicates: { merged: 1 }, quarantine: { total: 3 } });
    out = '';
    expect(await runQuality([], io)).toBe(0);
    expect(out).toContain('quarantined messages 3');
    expect(await runQuality(['--bogus'], io)).toBe(2);
  });
});
