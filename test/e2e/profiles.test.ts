import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as runProfiles } from '../../infra/cli/commands/profiles.js';
import { resolveHasher } from '../../infra/cli/hash-key.js';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbProfileStore } from '../../shared/adapters/dynamodb/profile-store.js';
import { defaultProfilesConfig } from '../../shared/config/profiles.js';
import { contactOf, featuresOf } from '../../shared/domain/profiles/features.js';
import { consentOf } from '../../shared/domain/profiles/state.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let rt: TestRuntime;
let store: DynamoDbProfileStore;

beforeAll(async () => {
  rt = await startTestRuntime();
  const client = new DynamoDBClient({
    endpoint: rt.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  store = new DynamoDbProfileStore({
    client: documentClient(client),
    tableName: rt.tables.PROFILES_TABLE!,
    config: defaultProfilesConfig,
    // The runtime's own identity hash key, found as the CLI finds it.
    hasher: await resolveHasher({ FELTFIT_DATA_DIR: rt.dataDir }),
  });
});
afterAll(async () => {
  await rt?.stop();
});

describe('profiles through the local runtime', () => {
  it('projects events posted by the Segment SDK into one merged, consented profile with features', async () => {
    const analytics = new Analytics({ writeKey: rt.writeKey, host: rt.url, flushAt: 20, maxRetries: 0 });
    analytics.track({
      anonymousId: 'anon-77',
      event: 'Product Viewed',
      properties: { product_id: 'sku-1', category: 'Shoes' },
    });
    analytics.track({
      anonymousId: 'anon-77',
      event: 'Product Added',
      properties: { cart_id: 'cart-1', product_id: 'sku-1', price: 80, quantity: 1 },
    });
    analytics.identify({
      userId: 'user-77',
      anonymousId: 'anon-77',
      traits: { email: '  Zoe@Example.COM ', firstName: 'Zoë', favouriteColour: 'teal' },
      context: { consent: { categoryPreferences: { email: true, sms: false } }, timezone: 'Europe/Paris' },
    });
    analytics.track({
      userId: 'user-77',
      event: 'Order Completed',
      properties: { order_id: 'o-1', revenue: 80, cart_id: 'cart-1' },
    });
    await analytics.closeAndFlush({ timeout: 20_000 });
    await rt.settle();

    const profile = await store.findByIdentifier('email', 'zoe@example.com');
    expect(profile).toBeDefined();
    const byAnon = await store.findByIdentifier('anonymousId', 'anon-77');
    expect(byAnon?.profileId).toBe(profile!.profileId);

    const features = featuresOf(profile!.state);
    expect(features.purchases).toMatchObject({ orderCount: 1, totalRevenue: 80 });
    expect(features.recentlyViewedProducts).toContain('sku-1');
    expect(features.recentlyViewedCategories).toContain('Shoes');
    expect(features.timezone).toBe('Europe/Paris');
    expect(contactOf(profile!.state).email).toBe('zoe@example.com');
    expect(consentOf(profile!.state, 'email', 'marketing')).toBe(true);
    expect(consentOf(profile!.state, 'sms', 'marketing')).toBe(false);
    // Undeclared traits are not stored.
    expect(JSON.stringify(profile!.state)).not.toContain('teal');

    // The outbox publisher put the domain events journeys subscribe to on the bus (from the profiles
    // table's stream, after the projector's commit); ProfileUpdated events go grouped.
    const wanted = ['ProfilesUpdated', 'OrderCompleted', 'ConsentChanged'];
    const types = () => rt.bus.history.map((e) => e['detail-type']);
    for (let i = 0; i < 60 && !wanted.every((t) => types().includes(t)); i++) {
      await new Promise((r) => setTimeout(r, 500));
      await rt.settle();
    }
    expect(types()).toEqual(expect.arrayContaining(wanted));
  });

  it('writes no email address or phone number in clear into any function log', () => {
    const logs = readdirSync(rt.logDir)
      .map((f) => readFileSync(join(rt.logDir, f), 'utf8'))
      .join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.toLowerCase()).not.toContain('zoe@example.com');
    expect(logs).not.toContain('user-77');
  });
});

describe('privacy operations through the admin API', () => {
  it('looks a person up by any identifier, exports everything held, erases it, and a late event does not resurrect it', async () => {
    const found = await rt.admin('/admin/profiles?type=email&value=ZOE@example.com');
    expect(found.status).toBe(200);
    const profileId: string = found.body.profile.profileId;
    expect((await rt.admin('/admin/profiles?type=anonymousId&value=anon-77')).body.profile.profileId).toBe(
      profileId,
    );

    // Export and erasure run as privacy jobs: 202 with the job, then poll it to the end.
    const bearer = { authorization: `Bearer ${rt.adminToken}` };
    const follow = async (jobId: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { body } = await rt.admin(`/admin/privacy-jobs/${jobId}`);
        if (body.job.status === 'succeeded' || body.job.status === 'failed' || Date.now() > deadline)
          return body.job;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const exportJob = await fetch(`${rt.url}/admin/profiles/${profileId}/export`, {
      method: 'POST',
      headers: bearer,
    });
    expect(exportJob.status).toBe(202);
    const exportStarted = (await exportJob.json()) as { job: { jobId: string } };
    expect(await follow(exportStarted.job.jobId)).toMatchObject({ status: 'succeeded' });
    const exported = await rt.admin(`/admin/privacy-jobs/${exportStarted.job.jobId}/result`);
    expect(exported.status).toBe(200);
    const doc = JSON.stringify(exported.body);
    expect(doc).toContain('zoe@example.com');
    expect(doc).toContain('Order Completed');
    expect(doc).toContain('consent');

    const erased = await fetch(`${rt.url}/admin/profiles/${profileId}/erase`, {
      method: 'POST',
      headers: bearer,
    });
    expect(erased.status).toBe(202);
    const eraseStarted = (await erased.json()) as { job: { jobId: string; kind: string } };
    expect(eraseStarted.job.kind).toBe('erase');
    const finished = await follow(eraseStarted.job.jobId);
    expect(finished).toMatchObject({ status: 'succeeded', outcome: 'erased' });
    expect(finished.holders.map((h: { name: string }) => h.name)).toEqual([
      'events',
      'messages',
      'journeys',
      'profiles',
    ]);
    expect(finished.holders.every((h: { status: string }) => h.status === 'done')).toBe(true);
    // Erasing again answers the same, finished job.
    const again = await fetch(`${rt.url}/admin/profiles/${profileId}`, { method: 'DELETE', headers: bearer });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { job: { jobId: string } }).job.jobId).toBe(eraseStarted.job.jobId);
    expect((await rt.admin(`/admin/profiles/${profileId}`)).status).toBe(404);
    expect((await rt.admin('/admin/events?userId=user-77')).body.events).toEqual([]);

    // Nothing with the person's data is left in any table (tombstones and the audit hold hashes only).
    const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient({
      endpoint: rt.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // Only the tables: the map also carries the hash key's secret ARN.
    for (const [name, table] of Object.entries(rt.tables)) {
      if (!name.endsWith('_TABLE')) continue;
      const items = JSON.stringify((await client.send(new ScanCommand({ TableName: table }))).Items ?? []);
      expect(items).not.toContain(profileId);
      expect(items.toLowerCase()).not.toContain('zoe@example.com');
      expect(items).not.toContain('user-77');
    }

    // A late event for the erased person is not re-collected into a profile.
    const late = await rt.post('/v1/track', {
      userId: 'user-77',
      event: 'Product Viewed',
      properties: { product_id: 'sku-2' },
    });
    expect(late.status).toBe(200);
    await rt.settle();
    expect((await rt.admin('/admin/profiles?type=userId&value=user-77')).status).toBe(404);
  });

  it('erases with the CLI through the privacy-job state machine, printing progress until it ends', async () => {
    expect((await rt.post('/v1/identify', { userId: 'user-88', traits: { firstName: 'Cli' } })).status).toBe(
      200,
    );
    await rt.settle();
    const found = await rt.admin('/admin/profiles?type=userId&value=user-88');
    expect(found.status).toBe(200);
    const profileId: string = found.body.profile.profileId;
    const cli = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await runProfiles(args, {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
        env: { FELTFIT_DATA_DIR: rt.dataDir, USER: 'ops', FELTFIT_POLL_MS: '100' },
      });
      return { code, out, err };
    };
    const queued = await cli(['export', profileId, '--no-wait']);
    expect(queued).toMatchObject({ code: 0, out: expect.stringMatching(/^pj_x_[0-9a-f]{32}\n$/) });
    const erased = await cli(['erase', profileId, '--yes']);
    expect(erased.code).toBe(0);
    expect(erased.out).toMatch(
      /^erased: deleted events \d+, messages \d+, journeys \d+, profiles \d+; \d+ identifiers tombstoned/,
    );
    expect(erased.err).toMatch(/erase pj_e_[0-9a-f]{32}: (queued|running) — events pending/);
    expect(erased.err).toMatch(/succeeded — events done \(\d+\), messages done/);
    expect(erased.err).not.toContain('user-88');
    expect((await rt.admin('/admin/profiles?type=userId&value=user-88')).status).toBe(404);
  });

  it('reports data quality: freshness per source, quarantine by reason, dropped traits', async () => {
    const q = await rt.admin('/admin/quality');
    expect(q.status).toBe(200);
    expect(JSON.stringify(q.body)).toContain('local');
  });
});
