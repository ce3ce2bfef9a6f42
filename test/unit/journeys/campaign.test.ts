import { describe, expect, it } from 'vitest';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import {
  type AudienceSource,
  type CampaignRunRequested,
  InvalidCampaignRunError,
  inAudience,
  planCampaignRun,
  runCampaignPage,
} from '../../../shared/domain/journeys/campaign.js';
import { compileJourney } from '../../../shared/domain/journeys/compile.js';
import { isMarketing } from '../../../shared/domain/journeys/start.js';
import { matchesTrigger } from '../../../shared/domain/journeys/triggers.js';
import { busEvent, profile } from './support.js';

const journeys = defaultJourneysConfig.journeys;
const byId = (id: string) => journeys.find((j) => j.id === id)!;

function issuesOf(input: unknown): string[] {
  try {
    planCampaignRun(input, journeys, 'exec-1');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidCampaignRunError);
    return (err as InvalidCampaignRunError).issues.map((i) => i.path);
  }
  throw new Error('expected the run to be refused');
}

describe('planCampaignRun', () => {
  it('resolves a journey run: its campaign, the default run id and a page interval that keeps the rate', () => {
    const plan = planCampaignRun(
      { journey: 'loyalty-referral', ratePerSecond: 20, pageSize: 100, startAt: '2026-12-01T09:00:00+01:00' },
      journeys,
      'arn:aws:states:x:execution:feltfit-campaign-run:spring',
    );
    expect(plan).toMatchObject({
      journey: 'loyalty-referral',
      campaign: 'loyalty-referral',
      pageSize: 100,
      waitSeconds: 5,
      startAt: '2026-12-01T08:00:00.000Z',
      audience: { all: [] },
    });
    expect(plan.runId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('resolves a single message to the campaign-message journey', () => {
    const plan = planCampaignRun({ message: { channel: 'email', intent: 'spring-launch' } }, journeys, 'r1');
    expect(plan).toMatchObject({
      journey: 'campaign-message',
      campaign: 'campaign-message',
      runId: 'r1',
      message: { channel: 'email', intent: 'spring-launch' },
      waitSeconds: 10, // defaults: 100 a page at 10 a second
    });
  });

  it('refuses, naming the field: neither or both of journey and message, a journey that is not a campaign journey, bad audience, rate and time', () => {
    expect(issuesOf({})).toEqual(['journey']);
    expect(issuesOf({ journey: 'loyalty-referral', message: { channel: 'email', intent: 'x' } })).toEqual([
      'journey',
    ]);
    expect(issuesOf({ journey: 'cart-recovery' })).toEqual(['journey']);
    expect(issuesOf({ journey: 'no-such-journey' })).toEqual(['journey']);
    expect(
      issuesOf({
        journey: 'loyalty-referral',
        audience: { all: [{ source: 'trigger', path: 'x', op: 'exists' }] },
      }),
    ).toEqual(['audience.all.0']);
    expect(issuesOf({ journey: 'loyalty-referral', ratePerSecond: 0 })).toEqual(['ratePerSecond']);
    expect(issuesOf({ journey: 'loyalty-referral', startAt: 'tomorrow' })).toEqual(['startAt']);
    expect(issuesOf({ message: { channel: 'fax', intent: 'x' } })).toEqual(['message.channel']);
    expect(issuesOf({ journey: 'loyalty-referral', extra: 1 })).toEqual(['']);
  });
});

describe('inAudience', () => {
  const person = profile({
    traits: { plan: 'pro' },
    features: { ordersCount: 3, lastNps: 9 },
    scores: { churnRisk: 0.2 },
  });

  it('holds when every `all` condition and, if given, one `any` condition holds', () => {
    expect(inAudience(person, { all: [] })).toBe(true);
    expect(
      inAudience(person, {
        all: [
          { source: 'features', path: 'ordersCount', op: 'gte', value: 2 },
          { source: 'traits', path: 'plan', op: 'eq', value: 'pro' },
        ],
        any: [
          { source: 'scores', path: 'churnRisk', op: 'gt', value: 0.5 },
          { source: 'features', path: 'lastNps', op: 'gte', value: 9 },
        ],
      }),
    ).toBe(true);
  });

  it('fails on one false `all` condition, or when no `any` condition holds', () => {
    expect(
      inAudience(person, { all: [{ source: 'features', path: 'ordersCount', op: 'gt', value: 3 }] }),
    ).toBe(false);
    expect(
      inAudience(person, { all: [], any: [{ source: 'scores', path: 'churnRisk', op: 'gt', value: 0.5 }] }),
    ).toBe(false);
    expect(inAudience(person, { all: [{ source: 'scores', path: 'clv12m', op: 'exists' }] })).toBe(false);
  });
});

describe('runCampaignPage', () => {
  it('requests the journey for the page’s members only, with the run id and message, and hands on the cursor', async () => {
    const pages: Record<string, { profiles: ReturnType<typeof profile>[]; cursor?: string }> = {
      start: {
        profiles: [
          profile({ profileId: 'p1', features: { ordersCount: 1 } }),
          profile({ profileId: 'p2', features: { ordersCount: 5 } }),
        ],
        cursor: 'c1',
      },
      c1: { profiles: [profile({ profileId: 'p3', features: { ordersCount: 2 } })] },
    };
    const audience: AudienceSource = { page: async (_limit, cursor) => pages[cursor ?? 'start']! };
    const sent: CampaignRunRequested[] = [];
    const events = { requested: async (e: readonly CampaignRunRequested[]) => void sent.push(...e) };
    const plan = planCampaignRun(
      {
        message: { channel: 'email', intent: 'spring-launch' },
        audience: { all: [{ source: 'features', path: 'ordersCount', op: 'gte', value: 2 }] },
      },
      journeys,
      'run-7',
    );
    const first = await runCampaignPage({ audience, events }, plan);
    expect(first).toEqual({ cursor: 'c1', scanned: 2, requested: 1 });
    const second = await runCampaignPage({ audience, events }, plan, first.cursor);
    expect(second).toEqual({ cursor: '', scanned: 1, requested: 1 });
    expect(sent).toEqual([
      {
        campaign: 'campaign-message',
        runId: 'run-7',
        profileId: 'p2',
        message: { channel: 'email', intent: 'spring-launch' },
      },
      {
        campaign: 'campaign-message',
        runId: 'run-7',
        profileId: 'p3',
        message: { channel: 'email', intent: 'spring-launch' },
      },
    ]);
  });
});

describe('the campaign-message journey', () => {
  const journey = byId('campaign-message');

  it('is started by its CampaignRunRequested and counts as marketing (the global control is excluded)', () => {
    const event = busEvent('CampaignRunRequested', {
      campaign: 'campaign-message',
      profileId: 'p1',
      runId: 'r',
    });
    expect(matchesTrigger(journey, { ...event, source: 'feltfit.campaigns' })).toBe(true);
    expect(isMarketing(journey)).toBe(true);
  });

  it('compiles its send to take channel and intent from the run’s message', () => {
    const asl = compileJourney(journey, { sendRetryErrors: [] });
    const choose = asl.States['send.ChooseVariant'] as any;
    const payload = choose.Parameters.Payload;
    expect(payload['channel.$']).toBe('$.trigger.detail.message.channel');
    expect(payload['intent.$']).toBe('$.trigger.detail.message.intent');
    const send = asl.States['send.Send'] as any;
    expect(send.Parameters.Payload['channel.$']).toBe('$.decisions.send.channel');
  });
});
