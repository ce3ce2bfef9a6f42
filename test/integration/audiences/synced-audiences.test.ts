/**
 * Synced audiences end to end below the API: the admin function's routes over the journeys table
 * (versions) and the profiles table (count and sample), on DynamoDB Local, with profiles projected
 * from messages as the projector would.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminHandler } from '../../../functions/admin/app.js';
import { DynamoDbAudienceDefinitionStore } from '../../../shared/adapters/dynamodb/audience-definition-store.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbRawEventEraser } from '../../../shared/adapters/dynamodb/profile-raw-events.js';
import { DynamoDbProfileStore } from '../../../shared/adapters/dynamodb/profile-store.js';
import { ProfileAudienceCandidates } from '../../../shared/adapters/journey-ports/audience-candidates.js';
import { DynamoDbJourneyTraits } from '../../../shared/adapters/journey-ports/journey-traits.js';
import { defaultProfilesConfig, type ProfilesConfig } from '../../../shared/config/profiles.js';
import { holdoutPosition } from '../../../shared/domain/audiences/definition.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { projectEvents } from '../../../shared/domain/profiles/project.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent } from '../../unit/ingest/support.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOLDOUT_KEY = 'k'.repeat(48);
/** The default trait schema plus the country that decides Google's EEA rule. */
const config: ProfilesConfig = {
  ...defaultProfilesConfig,
  traits: {
    ...defaultProfilesConfig.traits,
    country: { type: 'string', purpose: 'advertising: consent region' },
  },
};

let profiles: DynamoDbProfileStore;
let definitions: DynamoDbAudienceDefinitionStore;
let eventsTable: string;
let client: ReturnType<typeof documentClient>;
let handler: ReturnType<typeof createAdminHandler>;

beforeAll(async () => {
  const t = await createTestTables();
  client = documentClient(t.client);
  eventsTable = t.tables.events;
  profiles = new DynamoDbProfileStore({ client, tableName: t.tables.profiles, config, hasher: testHasher });
  definitions = new DynamoDbAudienceDefinitionStore({ client, tableName: t.tables.journeys });
  handler = createAdminHandler(
    {
      events: { listByPerson: async () => ({ events: [] }) },
      quarantine: { list: async () => ({ items: [] }), countsByReason: async () => ({}) },
      syncedAudiences: {
        store: definitions,
        candidates: new ProfileAudienceCandidates({
          scan: profiles,
          journeyTraits: new DynamoDbJourneyTraits({ client, tableName: t.tables.profiles }),
          config,
          now: () => NOW,
        }),
        holdoutKey: async () => HOLDOUT_KEY,
        budget: { pageSize: 2 },
        now: () => NOW,
      },
    },
    silentLogger,
  );
});

async function call(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  const event = apiEvent(path, body === undefined ? undefined : JSON.stringify(body), {
    method,
    ...(query ? { query } : {}),
  });
  const res = await handler(event as APIGatewayProxyEventV2, {} as Context);
  return { status: res.statusCode, body: JSON.parse(res.body ?? 'null') as Record<string, any> };
}

let seq = 0;
const message = (overrides: Partial<NormalisedMessage>): NormalisedMessage =>
  ({
    messageId: `msg-${++seq}-${randomUUID().slice(0, 8)}`,
    type: 'track',
    timestamp: '2026-03-01T10:00:00.000Z',
    receivedAt: '2026-03-01T10:00:00.000Z',
    sourceId: 'web',
    ...overrides,
  }) as NormalisedMessage;

/** A person projected from an identify and a consent event, then scored by propensity `version`. */
async function person(options: {
  country?: string;
  consent: Record<string, boolean>;
  propensity: number;
  version: string;
}): Promise<string> {
  const userId = `u-${randomUUID().slice(0, 8)}`;
  const messages = [
    message({
      type: 'identify',
      userId,
      traits: {
        email: `${userId}@example.com`,
        firstName: 'Ann',
        ...(options.country ? { country: options.country } : {}),
      },
    }),
    message({
      userId,
      event: 'Segment Consent Preference Updated',
      timestamp: '2026-03-01T10:01:00.000Z',
      context: { consent: { categoryPreferences: options.consent } },
    }),
  ];
  const report = await projectEvents(
    {
      store: profiles,
      eraser: new DynamoDbRawEventEraser({ client, tableName: eventsTable }),
      config,
      hasher: testHasher,
      now: () => NOW,
    },
    messages.map((m) => ({ id: m.messageId, message: m, key: { pk: `RAW#${m.messageId}`, sk: 'EVENT' } })),
  );
  expect(report.failed).toEqual([]);
  const found = await profiles.findByIdentifier('userId', userId);
  await profiles.writeScores(found!.profileId, {
    at: NOW.toISOString(),
    values: { propensity30d: options.propensity },
    bands: {},
    modelVersions: { propensity: options.version },
  });
  return found!.profileId;
}

const likelyBuyers = {
  name: 'Likely buyers',
  rule: { all: [{ source: 'scores', path: 'propensity30d', op: 'gte', value: 0.5 }] },
  modelVersions: { propensity: 'v7' },
  destinations: ['meta', 'google'],
  holdoutShare: 0,
};

describe('synced audience versions', () => {
  it('creates version 1 under the slug of its name and refuses the same id twice', async () => {
    const created = await call('POST', '/admin/synced-audiences', {
      ...likelyBuyers,
      name: 'Weekend shoppers',
    });
    expect(created.status).toBe(201);
    expect(created.body.audience).toMatchObject({
      definition: { id: 'weekend-shoppers', version: 1, holdoutShare: 0 },
      savedAt: NOW.toISOString(),
    });
    expect(typeof created.body.audience.savedBy).toBe('string');
    const again = await call('POST', '/admin/synced-audiences', {
      ...likelyBuyers,
      name: 'Weekend shoppers',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('audience_exists');
  });

  it('saves every change as a new version, keeps the old ones, and saves nothing for no change', async () => {
    await call('POST', '/admin/synced-audiences', { ...likelyBuyers, id: 'versioned', name: 'Versioned' });
    const v2 = await call('POST', '/admin/synced-audiences/versioned/versions', {
      ...likelyBuyers,
      name: 'Versioned',
      holdoutShare: 0.2,
      basedOnVersion: 1,
    });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({
      changed: true,
      audience: { definition: { version: 2, holdoutShare: 0.2 } },
    });
    const same = await call('POST', '/admin/synced-audiences/versioned/versions', {
      ...likelyBuyers,
      name: 'Versioned',
      holdoutShare: 0.2,
    });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ changed: false, audience: { definition: { version: 2 } } });

    expect((await call('GET', '/admin/synced-audiences/versioned')).body.audience.definition.version).toBe(2);
    const v1 = await call('GET', '/admin/synced-audiences/versioned', undefined, { version: '1' });
    expect(v1.body.audience.definition).toMatchObject({ version: 1, holdoutShare: 0 });
    const history = await call('GET', '/admin/synced-audiences/versioned/versions');
    expect(history.body.versions.map((v: any) => v.definition.version)).toEqual([2, 1]);
    const list = await call('GET', '/admin/synced-audiences');
    expect(list.body.audiences.find((a: any) => a.definition.id === 'versioned').definition.version).toBe(2);
  });

  it('refuses an edit of an older version, and lets only one of two concurrent saves win', async () => {
    await call('POST', '/admin/synced-audiences', { ...likelyBuyers, id: 'contested', name: 'Contested' });
    await call('POST', '/admin/synced-audiences/contested/versions', {
      ...likelyBuyers,
      name: 'Contested',
      holdoutShare: 0.1,
    });
    const stale = await call('POST', '/admin/synced-audiences/contested/versions', {
      ...likelyBuyers,
      name: 'Contested',
      holdoutShare: 0.3,
      basedOnVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: { code: 'version_conflict' }, currentVersion: 2 });

    const current = (await definitions.get('contested'))!;
    const next = (holdoutShare: number) => ({
      ...current,
      definition: { ...current.definition, version: 3, holdoutShare },
    });
    const saved = await Promise.all([definitions.save(next(0.25)), definitions.save(next(0.35))]);
    expect(saved.filter(Boolean)).toHaveLength(1);
    expect((await definitions.history('contested', 10)).map((v) => v.definition.version)).toEqual([3, 2, 1]);
  });

  it('answers 400 with the fields at fault, and 404 for an unknown audience or version', async () => {
    const sensitive = await call('POST', '/admin/synced-audiences', {
      ...likelyBuyers,
      name: 'Diabetes patients',
    });
    expect(sensitive.status).toBe(400);
    expect(sensitive.body.error.code).toBe('invalid_body');
    expect(sensitive.body.error.issues.map((i: any) => i.path)).toEqual([['name']]);
    const versioned = await call('POST', '/admin/synced-audiences', {
      ...likelyBuyers,
      name: 'Numbered',
      version: 4,
    });
    expect(versioned.body.error.issues[0].path).toEqual(['version']);
    const unpinned = await call('POST', '/admin/synced-audiences', {
      ...likelyBuyers,
      name: 'Unpinned',
      modelVersions: {},
    });
    expect(unpinned.body.error.issues.map((i: any) => i.path)).toEqual([['modelVersions']]);
    expect((await call('POST', '/admin/synced-audiences', 'not an object')).body.error.code).toBe(
      'invalid_body',
    );

    expect((await call('GET', '/admin/synced-audiences/nobody')).body.error.code).toBe('audience_not_found');
    const noVersion = await call('GET', '/admin/synced-audiences/versioned', undefined, { version: '99' });
    expect(noVersion.status).toBe(404);
    const badVersion = await call('GET', '/admin/synced-audiences/versioned', undefined, { version: 'two' });
    expect(badVersion.body.error.code).toBe('invalid_query');
  });
});

describe('synced audience count and sample', () => {
  it('counts members with evaluate(): rule, model version, advertising consent and Google’s EEA rule', async () => {
    const granted = { advertising: true, ad_user_data: true, ad_personalization: true };
    const us = await person({
      country: 'US',
      consent: { advertising: true },
      propensity: 0.9,
      version: 'v7',
    });
    const deFull = await person({ country: 'DE', consent: granted, propensity: 0.8, version: 'v7' });
    const deAdsOnly = await person({
      country: 'DE',
      consent: { advertising: true },
      propensity: 0.7,
      version: 'v7',
    });
    const unknownCountry = await person({ consent: { advertising: true }, propensity: 0.6, version: 'v7' });
    const noConsent = await person({
      country: 'US',
      consent: { email: true },
      propensity: 0.9,
      version: 'v7',
    });
    const oldModel = await person({ country: 'US', consent: granted, propensity: 0.9, version: 'v6' });
    const below = await person({ country: 'US', consent: granted, propensity: 0.1, version: 'v7' });
    const mine = new Set([us, deFull, deAdsOnly, unknownCountry, noConsent, oldModel, below]);

    await call('POST', '/admin/synced-audiences', { ...likelyBuyers, id: 'counted', name: 'Counted' });
    const res = await call('GET', '/admin/synced-audiences/counted/count', undefined, { sample: '50' });
    expect(res.status).toBe(200);
    // Only this test's people: other tests of the file add none, but the table is the file's.
    const sample = (res.body.sample as any[]).filter((s) => mine.has(s.profileId));
    const where = Object.fromEntries(sample.map((s) => [s.profileId, s.destinations]));
    expect(where).toEqual({
      [us]: { meta: 'upload', google: 'upload' },
      [deFull]: { meta: 'upload', google: 'upload' },
      [deAdsOnly]: { meta: 'upload', google: 'no_google_eu_consent' },
      [unknownCountry]: { meta: 'upload', google: 'no_google_eu_consent' },
      [noConsent]: { meta: 'no_advertising_consent', google: 'no_advertising_consent' },
    });
    expect(res.body).toMatchObject({
      audienceId: 'counted',
      version: 1,
      members: 5,
      holdout: 0,
      excluded: { rule_not_met: 1, model_version_mismatch: 1 },
      scanned: 7,
      complete: true,
      destinations: {
        meta: { uploadable: 4, refused: { no_advertising_consent: 1 }, minimum: 100, meetsMinimum: false },
        google: { uploadable: 2, refused: { no_advertising_consent: 1, no_google_eu_consent: 2 } },
      },
    });
    // Profile ids and decisions only: nothing of the person (no email, name or trait).
    expect(JSON.stringify(res.body)).not.toMatch(/example\.com|Ann/);
  });

  it('holds out the keyed share and uploads it nowhere, the same people on every count', async () => {
    await call('POST', '/admin/synced-audiences', {
      ...likelyBuyers,
      id: 'held',
      name: 'Held',
      rule: { all: [] },
      modelVersions: {},
      holdoutShare: 0.5,
    });
    const res = await call('GET', '/admin/synced-audiences/held/count', undefined, { sample: '50' });
    const { members, holdout, scanned, sample } = res.body as {
      members: number;
      holdout: number;
      scanned: number;
      sample: { profileId: string; holdout: boolean; destinations: object }[];
    };
    expect(members).toBe(scanned);
    expect(sample).toHaveLength(Math.min(members, 50));
    for (const s of sample) {
      expect(s.holdout).toBe(holdoutPosition(HOLDOUT_KEY, 'held', s.profileId) < 0.5);
      if (s.holdout) expect(s.destinations).toEqual({});
    }
    expect(holdout).toBe(sample.filter((s) => s.holdout).length);
    const meta = res.body.destinations.meta;
    expect(meta.uploadable + meta.refused.no_advertising_consent).toBe(members - holdout);
    expect((await call('GET', '/admin/synced-audiences/held/count')).body.holdout).toBe(holdout);
  });

  it('samples as many members as asked, up to 50', async () => {
    const res = await call('GET', '/admin/synced-audiences/held/count', undefined, { sample: '0' });
    expect(res.body.sample).toEqual([]);
    expect(res.body.members).toBeGreaterThan(0);
    expect(
      (await call('GET', '/admin/synced-audiences/held/count', undefined, { sample: '51' })).status,
    ).toBe(400);
  });
});
