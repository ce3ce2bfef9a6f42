import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../shared/domain/errors.js';
import {
  getPrivacyJob,
  readExportResult,
  runPrivacyJobInline,
  runPrivacyJobStep,
  startPrivacyJob,
} from '../../../shared/domain/privacy/jobs.js';
import { profileIdHash } from '../../../shared/domain/privacy/person.js';
import { testHasher } from '../../support/hasher.js';
import {
  memoryAudit,
  memoryDirectory,
  memoryJobs,
  memoryTombstones,
  profile,
  recordingHolder,
} from './support.js';

const NOW = new Date('2024-06-01T12:00:00.000Z');

function setup() {
  const log: string[] = [];
  const directory = memoryDirectory(
    [
      profile('pf_a', { userId: ['u-1'], email: ['ann@example.com'], anonymousId: ['anon-1'] }),
      profile('pf_b', { anonymousId: ['anon-0'] }, { mergedInto: 'pf_a' }),
    ],
    [['pf_a', 'pf_b', 'merged']],
  );
  const events = recordingHolder(
    'events',
    log,
    [{ event: 'Product Viewed' }, { event: 'Order Completed' }],
    3,
  );
  const profiles = recordingHolder('profiles', log, { profiles: [{ profileId: 'pf_a' }] }, 5);
  const audit = memoryAudit(log);
  const tombstones = memoryTombstones(log);
  const mem = memoryJobs();
  const deps = {
    directory,
    tombstones,
    holders: [events, profiles],
    audit,
    jobs: mem.store,
    runner: mem.runner,
    hasher: testHasher,
    now: () => NOW,
  };
  return { deps, log, events, audit, tombstones, mem };
}

describe('privacy jobs', () => {
  it('starts an erasure as a queued job and runs it one holder per step, tombstones first and profiles last', async () => {
    const { deps, log, audit, mem } = setup();
    const job = await startPrivacyJob(deps, 'erase', 'pf_b', 'ops');
    expect(job).toMatchObject({ kind: 'erase', status: 'queued', attempt: 1 });
    expect(job.profileIdHash).toBe(profileIdHash(testHasher, 'pf_a'));
    expect(mem.started).toEqual([`${job.jobId}-1`]);

    const seen: string[] = [];
    const done = await runPrivacyJobInline(deps, job.jobId, 1, (j) =>
      seen.push(`${j.status}:${j.holders.map((h) => h.status).join(',')}`),
    );
    expect(seen).toEqual([
      'running:pending,pending',
      'running:done,pending',
      'running:done,done',
      'succeeded:done,done',
    ]);
    expect(log).toEqual(['audit:started', 'tombstones', 'erase:events', 'erase:profiles', 'audit:completed']);
    expect(done).toMatchObject({
      status: 'succeeded',
      outcome: 'erased',
      tombstones: 4,
      holders: [
        { name: 'events', status: 'done', items: 3 },
        { name: 'profiles', status: 'done', items: 5 },
      ],
    });
    expect(done.profileId).toBeUndefined();
    expect(JSON.stringify(mem.jobs.get(job.jobId))).not.toContain('pf_a');
    expect(audit.records.get(profileIdHash(testHasher, 'pf_b'))).toMatchObject({
      status: 'completed',
      counts: { events: 3, profiles: 5 },
      actor: 'ops',
    });
  });

  it('answers the same job when the person is erased again, by any of their profile ids', async () => {
    const { deps, mem } = setup();
    const first = await startPrivacyJob(deps, 'erase', 'pf_a', 'ops');
    expect(await startPrivacyJob(deps, 'erase', 'pf_b', 'ops')).toMatchObject({
      jobId: first.jobId,
      status: 'queued',
    });
    await runPrivacyJobInline(deps, first.jobId, 1);
    expect(await startPrivacyJob(deps, 'erase', 'pf_a', 'ops')).toMatchObject({
      jobId: first.jobId,
      status: 'succeeded',
      attempt: 1,
    });
    expect(mem.started).toHaveLength(1);
  });

  it('re-runs only the failed holder when a step is retried', async () => {
    const { deps, log, events } = setup();
    const job = await startPrivacyJob(deps, 'erase', 'pf_a', 'ops');
    await runPrivacyJobStep(deps, job.jobId, 1);
    events.fail = true;
    await expect(runPrivacyJobStep(deps, job.jobId, 1)).rejects.toThrow('events unavailable');
    // The state machine retries the step.
    while (!(await runPrivacyJobStep(deps, job.jobId, 1)).done);
    expect(log.filter((l) => l === 'tombstones')).toHaveLength(1);
    expect(log.filter((l) => l === 'erase:events')).toHaveLength(2);
    expect(log.filter((l) => l === 'erase:profiles')).toHaveLength(1);
    expect((await getPrivacyJob(deps.jobs, job.jobId)).status).toBe('succeeded');
  });

  it('marks a job failed when its inline run throws, and a new request starts attempt 2', async () => {
    const { deps, events, mem } = setup();
    const job = await startPrivacyJob(deps, 'erase', 'pf_a', 'ops');
    events.fail = true;
    await expect(runPrivacyJobInline(deps, job.jobId, 1)).rejects.toThrow();
    expect(await getPrivacyJob(deps.jobs, job.jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'step_failed', message: 'Error' },
    });
    expect(await startPrivacyJob(deps, 'erase', 'pf_a', 'ops')).toMatchObject({
      status: 'queued',
      attempt: 2,
    });
    expect(mem.started).toEqual([`${job.jobId}-1`, `${job.jobId}-2`]);
    // The superseded attempt does nothing.
    expect(await runPrivacyJobStep(deps, job.jobId, 1)).toMatchObject({ done: true });
  });

  it('exports into parts and assembles the document once the job succeeded', async () => {
    const { deps, mem } = setup();
    const job = await startPrivacyJob(deps, 'export', 'pf_a', 'ops');
    expect(job.jobId).toMatch(/^pj_x_/);
    await expect(readExportResult(deps.jobs, job.jobId)).rejects.toMatchObject({ code: 'export_not_ready' });
    const done = await runPrivacyJobInline(deps, job.jobId, 1);
    expect(done).toMatchObject({
      status: 'succeeded',
      holders: [
        { name: 'events', status: 'done', items: 2 },
        { name: 'profiles', status: 'done' },
      ],
    });
    expect(done.resultBytes).toBeGreaterThan(0);
    const document = await readExportResult(deps.jobs, job.jobId);
    expect(document).toMatchObject({
      format: 'feltfit.personal-data.v1',
      profileId: 'pf_a',
      person: { mergedProfileIds: ['pf_b'], emails: ['ann@example.com'] },
      holders: { events: [{ event: 'Product Viewed' }, { event: 'Order Completed' }] },
    });
    // Erasing the person removes the export's parts too.
    const erase = await startPrivacyJob(deps, 'erase', 'pf_a', 'ops');
    await runPrivacyJobInline(deps, erase.jobId, 1);
    expect(mem.parts.size).toBe(0);
    await expect(readExportResult(deps.jobs, job.jobId)).rejects.toMatchObject({ code: 'job_not_found' });
    // A new export request after a finished one makes a fresh export.
    expect(await startPrivacyJob(deps, 'export', 'pf_a', 'ops')).toMatchObject({
      attempt: 2,
      status: 'queued',
    });
    expect(mem.started).toHaveLength(3);
  });

  it('fails an export whose person is erased while it runs, and keeps none of its parts', async () => {
    const { deps, mem } = setup();
    const job = await startPrivacyJob(deps, 'export', 'pf_a', 'ops');
    await runPrivacyJobStep(deps, job.jobId, 1);
    await runPrivacyJobStep(deps, job.jobId, 1);
    expect(mem.parts.size).toBe(2);
    (deps.directory as ReturnType<typeof memoryDirectory>).profiles.clear();
    expect(await runPrivacyJobStep(deps, job.jobId, 1)).toEqual({ done: true, status: 'failed' });
    expect(mem.parts.size).toBe(0);
    expect(await getPrivacyJob(deps.jobs, job.jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'profile_not_found' },
    });
  });

  it('answers profile_not_found for an id that never existed, and job_not_found for an unknown job', async () => {
    const { deps } = setup();
    await expect(startPrivacyJob(deps, 'erase', 'pf_nobody', 'ops')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getPrivacyJob(deps.jobs, `pj_e_${'0'.repeat(32)}`)).rejects.toMatchObject({
      code: 'job_not_found',
    });
  });
});
