import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type AdminDeps, createAdminHandler, type PrivacyRoutesDeps } from '../../../functions/admin/app.js';
import { defaultPrivacyConfig } from '../../../shared/config/privacy.js';
import { runPrivacyJobInline } from '../../../shared/domain/privacy/jobs.js';
import { profileIdHash } from '../../../shared/domain/privacy/person.js';
import type { PrivacyJobRunner } from '../../../shared/ports/privacy-jobs.js';
import { testHasher } from '../../support/hasher.js';
import { recordingLogger } from '../../support/logger.js';
import { apiEvent } from '../ingest/support.js';
import {
  memoryAudit,
  memoryDirectory,
  memoryJobs,
  memoryTombstones,
  profile,
  recordingHolder,
} from './support.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');

function setup(maxExportBytes = 1_000_000) {
  const { logger, lines } = recordingLogger();
  const directory = memoryDirectory(
    [
      profile('pf_a', { userId: ['u-1'], email: ['ann@example.com'], anonymousId: ['anon-1'] }),
      profile('pf_b', { anonymousId: ['anon-0'] }, { mergedInto: 'pf_a' }),
    ],
    [['pf_a', 'pf_b', 'merged']],
  );
  const holderLog: string[] = [];
  const events = recordingHolder('events', holderLog, { events: [{ event: 'Product Viewed' }] }, 3);
  const audit = memoryAudit();
  const mem = memoryJobs();
  const tombstones = memoryTombstones();
  const steps = {
    directory,
    tombstones,
    holders: [events],
    audit,
    jobs: mem.store,
    hasher: testHasher,
    now: () => NOW,
  };
  // The state machine, run at once: the route then answers the finished job.
  const runner: PrivacyJobRunner = {
    start: async (jobId, attempt) => {
      mem.started.push(`${jobId}-${attempt}`);
      await runPrivacyJobInline(steps, jobId, attempt);
    },
  };
  const privacy: PrivacyRoutesDeps = {
    jobs: { ...steps, runner },
    directory,
    export: { directory, holders: [events], now: () => NOW },
    erase: { directory, tombstones, holders: [events], audit, hasher: testHasher, now: () => NOW },
    quality: {
      sources: { list: async () => [] },
      sourceSeen: { lastSeen: async () => ({}) },
      profileStats: {
        profileStats: async () => ({
          profiles: 1,
          mergedProfiles: 1,
          refusedMerges: 0,
          withEmail: 1,
          withPhone: 0,
          withContactAddress: 1,
          emailMarketingConsent: 0,
          smsMarketingConsent: 0,
          scannedItems: 3,
          complete: true,
        }),
      },
      quarantine: { countsByReason: async () => ({ invalid_json: 2 }) },
      droppedTraits: { droppedTraitCounts: async () => ({}) },
      config: defaultPrivacyConfig,
      now: () => NOW,
    },
    maxExportBytes,
  };
  const deps: AdminDeps = {
    events: { listByPerson: async () => ({ events: [] }) },
    quarantine: { list: async () => ({ items: [] }), countsByReason: async () => ({}) },
    privacy,
  };
  return { handler: createAdminHandler(deps, logger), deps, logger, lines, audit, events, mem };
}

async function call(handler: ReturnType<typeof createAdminHandler>, event: APIGatewayProxyEventV2) {
  const res = await handler(event, {} as Context);
  return { status: res.statusCode, body: JSON.parse(res.body ?? 'null') as Record<string, any> };
}

/** An event as API Gateway sends it for a templated route: the route key names the template. */
function templated(method: string, template: string, profileId: string, authorizerArn?: string) {
  const path = template.replace('{profileId}', encodeURIComponent(profileId));
  const event = apiEvent(path, undefined, { method });
  return {
    ...event,
    routeKey: `${method} ${template}`,
    pathParameters: { profileId },
    requestContext: {
      ...event.requestContext,
      routeKey: `${method} ${template}`,
      ...(authorizerArn ? { authorizer: { iam: { userArn: authorizerArn } } } : {}),
    },
  } as APIGatewayProxyEventV2;
}

/** A GET of a privacy-job route with its jobId parameter. */
function jobEvent(template: string, jobId: string) {
  const path = template.replace('{jobId}', encodeURIComponent(jobId));
  const event = apiEvent(path, undefined, { method: 'GET' });
  return {
    ...event,
    routeKey: `GET ${template}`,
    pathParameters: { jobId },
    requestContext: { ...event.requestContext, routeKey: `GET ${template}` },
  } as APIGatewayProxyEventV2;
}

describe('admin privacy routes', () => {
  it('looks a profile up by identifier and answers the live profile', async () => {
    const { handler } = setup();
    const res = await call(
      handler,
      apiEvent('/admin/profiles', undefined, {
        method: 'GET',
        query: { type: 'anonymousId', value: 'anon-1' },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.profile).toMatchObject({
      profileId: 'pf_a',
      identities: { userId: ['u-1'] },
      mergedProfileIds: ['pf_b'],
    });
  });

  it('answers 400 invalid_query for a bad identifier type or a missing value', async () => {
    const { handler } = setup();
    for (const query of [{ type: 'ssn', value: 'x' }, { type: 'email' }, {}] as Record<string, string>[]) {
      const res = await call(handler, apiEvent('/admin/profiles', undefined, { method: 'GET', query }));
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
    }
  });

  it('answers 404 profile_not_found for an identifier nobody has', async () => {
    const { handler } = setup();
    const res = await call(
      handler,
      apiEvent('/admin/profiles', undefined, {
        method: 'GET',
        query: { type: 'email', value: 'x@example.com' },
      }),
    );
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'profile_not_found' } } });
  });

  it('reads a profile by id from the route template parameters, following merges', async () => {
    const { handler } = setup();
    const res = await call(handler, templated('GET', '/admin/profiles/{profileId}', 'pf_b'));
    expect(res).toMatchObject({ status: 200, body: { profile: { profileId: 'pf_a' } } });
  });

  it('answers 400 invalid_profile_id for a malformed id', async () => {
    const { handler } = setup();
    const res = await call(handler, templated('GET', '/admin/profiles/{profileId}', 'pf a<script>'));
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_profile_id' } } });
  });

  it('exports the person as one JSON document', async () => {
    const { handler } = setup();
    const res = await call(handler, apiEvent('/admin/profiles/pf_a/export', undefined, { method: 'GET' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      format: 'feltfit.personal-data.v1',
      profileId: 'pf_a',
      holders: { events: { events: [{ event: 'Product Viewed' }] } },
    });
  });

  it('answers 413 export_too_large when the export would not fit a Lambda response', async () => {
    const { handler } = setup(1024);
    const big = setup(1024);
    big.deps.privacy!.export.holders[0]!.export = async () => ({ blob: 'x'.repeat(2048) });
    const res = await call(
      big.handler,
      apiEvent('/admin/profiles/pf_a/export', undefined, { method: 'GET' }),
    );
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'export_too_large' } } });
    const small = await call(handler, apiEvent('/admin/profiles/pf_a/export', undefined, { method: 'GET' }));
    expect(small.status).toBe(200);
  });

  it('erases with DELETE as a job: 202 with the job and where to poll it, the IAM caller as actor, no personal data logged', async () => {
    const { handler, audit, lines } = setup();
    const res = await handler(
      templated('DELETE', '/admin/profiles/{profileId}', 'pf_a', 'arn:aws:iam::1:user/ops'),
      {} as Context,
    );
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body ?? '{}');
    expect(body.job).toMatchObject({
      kind: 'erase',
      status: 'succeeded',
      outcome: 'erased',
      holders: [{ name: 'events', status: 'done', items: 3 }],
      tombstones: 4,
    });
    expect(body.job.profileId).toBeUndefined();
    expect(res.headers?.location).toBe(`/admin/privacy-jobs/${body.job.jobId}`);
    expect(body.links.self).toBe(res.headers?.location);
    expect(audit.records.get(profileIdHash(testHasher, 'pf_a'))).toMatchObject({
      actor: 'arn:aws:iam::1:user/ops',
      status: 'completed',
    });
    const polled = await call(handler, jobEvent('/admin/privacy-jobs/{jobId}', body.job.jobId));
    expect(polled).toMatchObject({
      status: 200,
      body: { job: { jobId: body.job.jobId, status: 'succeeded' } },
    });
    const logged = lines.join('\n');
    for (const personal of ['pf_a', 'u-1', 'ann@example.com', 'anon-1'])
      expect(logged).not.toContain(personal);
  });

  it('erases with POST …/erase too, and a second erasure answers the same finished job', async () => {
    const { handler, deps, audit, mem } = setup();
    const first = await call(handler, apiEvent('/admin/profiles/pf_a/erase', undefined, { method: 'POST' }));
    expect(first).toMatchObject({ status: 202, body: { job: { status: 'succeeded' } } });
    expect(audit.records.get(profileIdHash(testHasher, 'pf_a'))?.actor).toBe('admin-api');
    // The fake holders delete nothing, so take the profiles away as the profiles holder would.
    const directory = deps.privacy!.directory as ReturnType<typeof memoryDirectory>;
    directory.profiles.clear();
    const second = await call(handler, apiEvent('/admin/profiles/pf_b', undefined, { method: 'DELETE' }));
    expect(second).toMatchObject({
      status: 202,
      body: { job: { jobId: first.body.job.jobId, status: 'succeeded' } },
    });
    expect(mem.started).toHaveLength(1);
  });

  it('exports as a job with POST …/export and serves the result once it succeeded', async () => {
    const { handler } = setup();
    const started = await call(
      handler,
      apiEvent('/admin/profiles/pf_a/export', undefined, { method: 'POST' }),
    );
    expect(started).toMatchObject({ status: 202, body: { job: { kind: 'export', status: 'succeeded' } } });
    const result = await call(
      handler,
      jobEvent('/admin/privacy-jobs/{jobId}/result', started.body.job.jobId),
    );
    expect(result).toMatchObject({
      status: 200,
      body: { format: 'feltfit.personal-data.v1', profileId: 'pf_a', holders: { events: { events: [{}] } } },
    });
  });

  it('answers 400 invalid_job_id and 404 job_not_found when polling', async () => {
    const { handler } = setup();
    expect(await call(handler, jobEvent('/admin/privacy-jobs/{jobId}', 'nope'))).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_job_id' } },
    });
    expect(
      await call(handler, jobEvent('/admin/privacy-jobs/{jobId}', `pj_e_${'a'.repeat(32)}`)),
    ).toMatchObject({
      status: 404,
      body: { error: { code: 'job_not_found' } },
    });
  });

  it('answers 404 profile_not_found when erasing an id that never existed', async () => {
    const { handler } = setup();
    const res = await call(handler, apiEvent('/admin/profiles/pf_nope', undefined, { method: 'DELETE' }));
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'profile_not_found' } } });
  });

  it('serves the data-quality report', async () => {
    const { handler } = setup();
    const res = await call(handler, apiEvent('/admin/quality', undefined, { method: 'GET' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      generatedAt: NOW.toISOString(),
      quarantine: { total: 2, byReason: { invalid_json: 2 } },
      duplicates: { merged: 1, refused: 0 },
    });
  });

  it('answers 404 unknown_route for the privacy routes when no profiles table is wired, and for a wrong method', async () => {
    const { deps, logger } = setup();
    const { privacy: _privacy, ...withoutPrivacy } = deps;
    const bare = createAdminHandler(withoutPrivacy, logger);
    const res = await call(bare, apiEvent('/admin/quality', undefined, { method: 'GET' }));
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'unknown_route' } } });
    const wrong = await call(setup().handler, apiEvent('/admin/quality', undefined, { method: 'DELETE' }));
    expect(wrong).toMatchObject({ status: 404, body: { error: { code: 'unknown_route' } } });
  });

  it('keeps serving the events and quarantine routes', async () => {
    const { handler } = setup();
    const res = await call(
      handler,
      apiEvent('/admin/events', undefined, { method: 'GET', query: { userId: 'u-1' } }),
    );
    expect(res).toMatchObject({ status: 200, body: { events: [] } });
  });
});
