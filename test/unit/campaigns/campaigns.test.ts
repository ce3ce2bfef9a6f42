import { describe, expect, it } from 'vitest';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { previewAudience, saveAudience } from '../../../shared/domain/campaigns/audiences.js';
import { estimateCampaign } from '../../../shared/domain/campaigns/estimate.js';
import { resolveLaunch, startInstant } from '../../../shared/domain/campaigns/launch.js';
import { launchRun, runProgress } from '../../../shared/domain/campaigns/runs.js';
import { ConflictError, InvalidRequestError } from '../../../shared/domain/errors.js';
import { memberExecutionName, runCampaignPage } from '../../../shared/domain/journeys/campaign.js';
import {
  estimateDeps,
  fakeExecutions,
  memoryAudiences,
  memoryRuns,
  NOW,
  pagesOf,
  person,
  variants,
} from './support.js';

const launchDeps = (extra = {}) => ({
  journeys: defaultJourneysConfig.journeys,
  variants: variants(),
  audiences: memoryAudiences(),
  now: () => NOW,
  ...extra,
});

/** The fields a refused launch names. */
async function refusedFields(body: unknown, deps = launchDeps()): Promise<string[]> {
  try {
    await resolveLaunch(deps, body);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return ((err as InvalidRequestError).details.issues as { path: string[] }[]).map((i) => i.path.join('.'));
  }
  throw new Error('expected the launch to be refused');
}

const repeatBuyers = {
  all: [{ source: 'features' as const, path: 'ordersCount', op: 'gte' as const, value: 2 }],
};

describe('an audience preview', () => {
  it('counts the members with the campaign run’s own rule and shows a sample without contact data', async () => {
    const profiles = Array.from({ length: 30 }, (_, i) =>
      person(`p${i}`, {
        features: { ordersCount: i % 3 },
        traits: { firstName: `Ann${i}`, email_address: 'x@example.com', plan: 'pro' },
      }),
    );
    const preview = await previewAudience(pagesOf(profiles), repeatBuyers, { pageSize: 7 });
    expect(preview).toMatchObject({ count: 10, scanned: 30, complete: true });
    expect(preview.sample).toHaveLength(10);
    expect(preview.sample[0]).toEqual({
      profileId: 'p2',
      firstName: 'Ann2',
      traits: {},
      features: { ordersCount: 2 },
      scores: { propensity30d: 0.5, churnRisk: 0.2 },
    });
    expect(JSON.stringify(preview)).not.toContain('example.com');
  });

  it('stops at its budget and says the count is incomplete', async () => {
    const profiles = Array.from({ length: 100 }, (_, i) => person(`p${i}`));
    const preview = await previewAudience(pagesOf(profiles), { all: [] }, { maxProfiles: 40, pageSize: 25 });
    expect(preview).toMatchObject({ count: 40, scanned: 40, complete: false });
  });
});

describe('saved audiences', () => {
  it('are saved under the slug of their name, once', async () => {
    const store = memoryAudiences();
    const saved = await saveAudience(store, { name: 'Repeat buyers!', audience: repeatBuyers }, 'maria', NOW);
    expect(saved).toMatchObject({ id: 'repeat-buyers', createdBy: 'maria', audience: repeatBuyers });
    await expect(
      saveAudience(store, { name: 'repeat buyers', audience: {} }, 'maria', NOW),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuse a rule that reads the trigger, naming the condition', async () => {
    await expect(
      saveAudience(
        memoryAudiences(),
        { name: 'x', audience: { all: [{ source: 'trigger', path: 'a', op: 'exists' }] } },
        'maria',
        NOW,
      ),
    ).rejects.toMatchObject({ details: { issues: [{ path: ['audience', 'all', '0'] }] } });
  });
});

describe('a campaign launch', () => {
  it('is refused before anything starts, naming the field', async () => {
    expect(await refusedFields({ journey: 'nope' })).toEqual(['journey']);
    expect(await refusedFields({ journey: 'cart-recovery' })).toEqual(['journey']); // not a campaign journey
    expect(await refusedFields({ journey: 'loyalty-referral', ratePerSecond: 0 })).toEqual(['ratePerSecond']);
    expect(await refusedFields({ message: { channel: 'email', intent: 'spring-launch' } })).toEqual([
      'message.intent',
    ]);
    expect(await refusedFields({ journey: 'loyalty-referral', audienceId: 'gone' })).toEqual(['audienceId']);
    expect(await refusedFields({ journey: 'loyalty-referral', startAt: '2026-12-01T09:00' })).toEqual([
      'timeZone',
    ]);
    expect(
      await refusedFields({
        journey: 'loyalty-referral',
        startAt: '2026-12-01T09:00',
        timeZone: 'Mars/Olympus',
      }),
    ).toEqual(['timeZone']);
    expect(await refusedFields({ journey: 'loyalty-referral', startAt: '2020-01-01T09:00:00Z' })).toEqual([
      'startAt',
    ]);
  });

  it('reads a local start time in its time zone, across daylight saving', () => {
    expect(startInstant('2026-12-01T09:00', 'Europe/Berlin')?.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(startInstant('2026-07-01T09:00', 'Europe/Berlin')?.toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(startInstant('2026-07-01T09:00', 'America/New_York')?.toISOString()).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    expect(startInstant('2026-07-01T09:00:00+02:00', 'Asia/Tokyo')?.toISOString()).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });

  it('resolves a saved audience and starts the campaign-run state machine named by the run id, once', async () => {
    const audiences = memoryAudiences();
    await saveAudience(audiences, { name: 'Repeat buyers', audience: repeatBuyers }, 'maria', NOW);
    const runs = memoryRuns();
    const executions = fakeExecutions();
    const deps = { ...launchDeps({ audiences }), runs, executions };
    const body = {
      journey: 'loyalty-referral',
      audienceId: 'repeat-buyers',
      startAt: '2026-12-01T09:00',
      timeZone: 'Europe/Berlin',
      ratePerSecond: 50,
      runId: 'loyalty-dec',
    };
    const run = await launchRun(deps, body, 'maria');
    expect(run).toMatchObject({
      runId: 'loyalty-dec',
      audienceId: 'repeat-buyers',
      audienceName: 'Repeat buyers',
      startAt: '2026-12-01T08:00:00.000Z',
      timeZone: 'Europe/Berlin',
      createdBy: 'maria',
    });
    expect(executions.started).toEqual([
      {
        name: 'loyalty-dec',
        input: {
          journey: 'loyalty-referral',
          audience: repeatBuyers,
          startAt: '2026-12-01T08:00:00.000Z',
          ratePerSecond: 50,
          pageSize: 100,
          runId: 'loyalty-dec',
        },
      },
    ]);
    await expect(launchRun(deps, body, 'maria')).rejects.toMatchObject({ code: 'run_exists' });
    expect(executions.started).toHaveLength(1);
  });

  it('gives a run without an id one that says what and when', async () => {
    const { input } = await resolveLaunch(launchDeps(), {
      message: { channel: 'email', intent: 'bestsellers' },
    });
    expect(input.runId).toMatch(/^bestsellers-20260302-1200-[0-9a-f]{4}$/);
  });
});

describe('a campaign estimate', () => {
  it('counts the audience and the skips the send rules would make now, by reason', async () => {
    const profiles = [
      person('ok'),
      person('no-consent', { features: { ordersCount: 3 } }),
      person('no-address'),
      person('suppressed'),
      person('capped'),
      person('outside', { features: { ordersCount: 0 } }),
    ];
    const r = (id: string, over = {}) => ({
      profileId: id,
      email: `${id}@example.com`,
      consent: { email: true },
      ...over,
    });
    const deps = estimateDeps(
      profiles,
      {
        ok: r('ok'),
        'no-consent': r('no-consent', { consent: {} }),
        'no-address': r('no-address', { email: undefined }),
        suppressed: r('suppressed'),
        capped: r('capped'),
      },
      {
        suppressed: {
          suppressed: [{ reason: 'unsubscribe', channel: 'email', at: NOW.toISOString() } as never],
        },
        sendsAt: [NOW.getTime() - 3_600_000],
      },
    );
    const estimate = await estimateCampaign(deps, {
      message: { channel: 'email', intent: 'bestsellers' },
      audience: { all: [{ source: 'features', path: 'ordersCount', op: 'gte', value: 1 }] },
    });
    expect(estimate).toMatchObject({
      journey: 'campaign-message',
      audience: { count: 5, scanned: 6, complete: true },
      channel: 'email',
      checked: 5,
      sendable: 1,
      expectedSkips: {
        no_consent: 1,
        no_contact_address: 1,
        suppressed_unsubscribe: 1,
        frequency_cap: 1,
      },
      contentGaps: [],
      holdoutShare: 0.1,
    });
  });

  it('counts quiet hours in each person’s own time zone', async () => {
    const deps = estimateDeps(
      [person('night'), person('day')],
      {
        night: {
          profileId: 'night',
          phone: '+6421000000',
          timeZone: 'Pacific/Auckland',
          consent: { sms: true },
        },
        day: { profileId: 'day', phone: '+4915100000', timeZone: 'Europe/Berlin', consent: { sms: true } },
      },
      { variants: variants({ 'sms:bestsellers': 1 }) },
    );
    const estimate = await estimateCampaign(deps, { message: { channel: 'sms', intent: 'bestsellers' } });
    expect(estimate.expectedSkips).toEqual({ quiet_hours: 1 });
    expect(estimate.sendable).toBe(1);
  });

  it('names the journey steps that have no approved content', async () => {
    const deps = estimateDeps([person('a')], {
      a: { profileId: 'a', email: 'a@x.io', consent: { email: true } },
    });
    const estimate = await estimateCampaign(deps, { journey: 'loyalty-referral' });
    expect(estimate.contentGaps.map((g) => g.step)).toEqual(['referral', 'thankYou']);
    expect(estimate.expectedSkips).toEqual({ content_not_approved: 1 });
  });
});

describe('a run’s progress', () => {
  it('counts requested, started, control, holdout, sent and skipped by reason from what the parts recorded', async () => {
    const runs = memoryRuns();
    const plan = { journey: 'campaign-message', runId: 'r1' };
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((p) => memberExecutionName(plan, p));
    runs.members_.set('r1', names);
    await runs.create({
      runId: 'r1',
      executionArn: 'arn:aws:states:eu-west-1:1:execution:feltfit-campaign-run:r1',
      journey: 'campaign-message',
      audience: { all: [] },
      ratePerSecond: 10,
      createdAt: NOW.toISOString(),
      createdBy: 'maria',
    });
    const executions = fakeExecutions({
      'arn:aws:states:eu-west-1:1:execution:feltfit-campaign-run:r1': {
        status: 'SUCCEEDED',
        output: JSON.stringify({ totals: { pages: 1, scanned: 9, requested: 6 } }),
      },
    });
    const arms: Record<string, { arm: string; started: boolean }> = {
      [names[0]!]: { arm: 'message', started: true },
      [names[1]!]: { arm: 'message', started: true },
      [names[2]!]: { arm: 'message', started: true },
      [names[3]!]: { arm: 'holdout', started: true },
      [names[4]!]: { arm: 'control', started: false },
    };
    const ledger: Record<string, { status: string; reason?: string }[]> = {
      [names[0]!]: [{ status: 'sent' }],
      [names[1]!]: [{ status: 'skipped', reason: 'no_consent' }],
    };
    const progress = await runProgress(
      {
        runs,
        executions,
        assignments: { get: async (_j, ns) => new Map(ns.filter((n) => arms[n]).map((n) => [n, arms[n]!])) },
        ledger: { outcomes: async (arn) => ledger[arn.split(':').pop()!] ?? [] },
      },
      'r1',
    );
    expect(progress).toMatchObject({
      phase: 'delivering', // c has started and not sent yet; f has not started
      requested: 6,
      scanned: 9,
      started: 4,
      control: 1,
      holdout: 1,
      sent: 1,
      skipped: { no_consent: 1 },
      skippedTotal: 1,
      pending: 2,
      complete: true,
    });
  });

  it('records each page’s requested executions, named as start-journey names them', async () => {
    const recorded: { cursor: string; executions: readonly string[] }[] = [];
    const result = await runCampaignPage(
      {
        audience: pagesOf([person('a'), person('b', { features: { ordersCount: 0 } })]),
        events: { requested: async () => undefined },
        members: { recordPage: async (_r, page) => void recorded.push(page) },
      },
      {
        runId: 'r1',
        journey: 'loyalty-referral',
        campaign: 'loyalty-referral',
        audience: { all: [{ source: 'features', path: 'ordersCount', op: 'gte', value: 1 }] },
        pageSize: 10,
        waitSeconds: 0,
      },
    );
    expect(result.requested).toBe(1);
    expect(recorded).toEqual([
      {
        cursor: '',
        executions: [memberExecutionName({ journey: 'loyalty-referral', runId: 'r1' }, 'a')],
        scanned: 2,
      },
    ]);
  });
});
