import { describe, expect, it } from 'vitest';
import { DecideConfig } from '../../../shared/config/journeys.js';
import {
  type DecideActionRequest,
  DecideRequest,
  decide,
  decideAction,
} from '../../../shared/domain/journeys/decide.js';
import { Candidate, type CandidateInput } from '../../../shared/domain/journeys/definition.js';
import { seededRandom } from '../../../shared/domain/random.js';
import type { DecisionProfile } from '../../../shared/ports/journeys.js';
import { MemoryBandit, MemoryDecisions, profile, variant } from './support.js';

const config = DecideConfig.parse({});
const offer: CandidateInput = {
  id: 'perk',
  kind: 'offer',
  intent: 'loyalty-perk',
  channel: 'email',
  discount: 0.1,
  lift: 2,
};
const content: CandidateInput = {
  id: 'helpful',
  kind: 'content',
  intent: 'helpful-content',
  channel: 'email',
  lift: 1.2,
};
const nothing: CandidateInput = { id: 'nothing', kind: 'nothing' };

function request(
  candidates: CandidateInput[],
  overrides: Partial<DecideActionRequest> = {},
): DecideActionRequest {
  return DecideRequest.parse({
    mode: 'decide',
    profileId: 'p-1',
    journey: 'service-follow-up',
    entryKey: 't-1',
    executionId: 'arn:aws:states:us-east-1:123456789012:execution:sm:exec-1',
    step: 'perk',
    candidates,
    valueBasis: 'orderValue',
    trigger: { eventId: 'e-1', detail: { value: 100 } },
    events: {},
    at: '2026-03-02T10:00:00.000Z',
    ...overrides,
  }) as DecideActionRequest;
}

/** A variant-mode request for cart recovery's reminder step at `at`. */
const reminderVariant = (at: string) =>
  DecideRequest.parse({
    mode: 'variant',
    profileId: 'p-1',
    journey: 'cart-recovery',
    executionId: 'exec',
    step: 'reminder',
    channel: 'email',
    intent: 'cart-reminder',
    at,
  });

function run(req: DecideActionRequest, p: DecisionProfile = profile(), cfg = config) {
  const variants = Object.fromEntries(
    req.candidates
      .filter((c) => c.kind !== 'nothing')
      .map((c) => [c.id, [variant(`${c.id}-v1`), variant(`${c.id}-v2`)]]),
  );
  return decideAction({
    request: req,
    profile: p,
    variants,
    stats: {},
    config: cfg,
    random: seededRandom(1),
  });
}

const evaluation = (out: ReturnType<typeof run>, id: string) =>
  out.explanation.candidates.find((c) => c.id === id)!;

describe('decide', () => {
  it('chooses the eligible action with the highest expected value and explains it', () => {
    const out = run(request([offer, content, nothing]));
    // offer: 0.2 × 2 × 100 × (0.4 − 0.1) = 12; content: 0.2 × 1.2 × 40 = 9.6; nothing: 0.2 × 40 = 8
    expect(out.action).toBe('offer');
    expect(out.candidate).toBe('perk');
    expect(out.variant).toMatch(/^perk-v[12]$/);
    expect(out.content?.variantId).toBe(out.variant);
    expect(out.channel).toBe('email');
    const x = out.explanation;
    expect(x.inputs).toMatchObject({
      value: 100,
      propensity: 0.2,
      marginRate: 0.4,
      marginFloor: 0.15,
      badExperience: false,
    });
    expect(evaluation(out, 'perk')).toMatchObject({ eligible: true, p: 0.4, margin: 30, expectedValue: 12 });
    expect(evaluation(out, 'helpful').expectedValue).toBeCloseTo(9.6);
    expect(evaluation(out, 'nothing').expectedValue).toBeCloseTo(8);
    expect(Object.keys(evaluation(out, 'perk').samples!)).toEqual(['perk-v1', 'perk-v2']);
    expect(x.chosen).toMatchObject({
      candidate: 'perk',
      action: 'offer',
      variant: out.variant,
      reason: 'highest_expected_value',
    });
  });

  it('never makes an offer after a low CSAT, and says why', () => {
    const awaited = {
      waitCsat: { event: 'CsatSubmitted', eventId: 'c-1', at: '2026-03-02T09:00:00Z', detail: { score: 1 } },
    };
    const out = run(request([offer, content, nothing], { events: awaited }));
    expect(out.action).not.toBe('offer');
    expect(evaluation(out, 'perk')).toMatchObject({ eligible: false, reasons: ['bad_experience'] });
    expect(out.explanation.inputs).toMatchObject({
      badExperience: true,
      badExperienceSource: 'events.waitCsat',
    });
  });

  it('treats a low NPS on the profile as a bad experience too', () => {
    const out = run(request([offer, nothing]), profile({ features: { lastNps: 3 } }));
    expect(evaluation(out, 'perk').reasons).toContain('bad_experience');
    expect(out.action).toBe('nothing');
  });

  it('rejects an incentive whose discount breaks the margin rule (discount ≤ margin − floor)', () => {
    const deep = { ...offer, id: 'deep', discount: 0.3 };
    const out = run(request([deep, { ...offer, discount: 0.25 }, nothing]));
    expect(evaluation(out, 'deep')).toMatchObject({ eligible: false, reasons: ['margin_floor'] });
    expect(evaluation(out, 'perk').eligible).toBe(true);
  });

  it('rejects actions on channels without consent', () => {
    const out = run(request([offer, content, nothing]), profile({ consent: {} }));
    expect(evaluation(out, 'perk').reasons).toContain('no_consent');
    expect(evaluation(out, 'helpful').reasons).toContain('no_consent');
    expect(out.action).toBe('nothing');
    expect(out.channel).toBeNull();
  });

  it('gates offers to sensitive segments on human approval', () => {
    const p = profile({ segments: ['vulnerable'] });
    expect(evaluation(run(request([offer, nothing]), p), 'perk').reasons).toContain('sensitive_segment');
    const approved = { ...offer, approvedForSensitive: true };
    expect(evaluation(run(request([approved, nothing]), p), 'perk').eligible).toBe(true);
  });

  it('lifts actions that answer a hesitation signal and rejects those that require a missing one', () => {
    const shipping: CandidateInput = {
      id: 'shipping',
      kind: 'content',
      intent: 'shipping-reassurance',
      channel: 'email',
      signals: ['shippingViewed'],
      requiresSignal: true,
    };
    const withSignal = run(
      request([shipping, nothing], {
        trigger: { detail: { value: 100, hesitation: { shippingViewed: 'x' } } },
      }),
    );
    expect(evaluation(withSignal, 'shipping')).toMatchObject({ eligible: true, p: 0.3 });
    expect(withSignal.explanation.inputs.signals).toEqual(['shippingViewed']);
    const without = run(request([shipping, nothing]));
    expect(evaluation(without, 'shipping').reasons).toEqual(['signal_missing']);
  });

  it('uses the bandit posterior instead of the propensity once a variant has enough exposures', () => {
    const req = request([content, nothing]);
    const out = decideAction({
      request: req,
      profile: profile(),
      variants: { helpful: [variant('only')] },
      stats: { only: { exposures: 1000, conversions: 500 } },
      config: { ...config, minExposuresForPosterior: 50 },
      random: seededRandom(3),
    });
    expect(evaluation(out, 'helpful')).toMatchObject({ pSource: 'posterior' });
    expect(evaluation(out, 'helpful').p).toBeGreaterThan(0.4);
  });

  it('stores the explanation, and leaves the exposure to the send that delivers the variant', async () => {
    const bandit = new MemoryBandit();
    const decisions = new MemoryDecisions();
    const out = await decide(
      {
        profiles: { get: async () => profile() },
        variants: { approvedVariants: async (q) => [variant(`${q.intent}-v1`)] },
        bandit,
        decisions,
        random: seededRandom(5),
        config,
      },
      request([offer, content, nothing]),
    );
    expect(decisions.items).toHaveLength(1);
    expect(decisions.items[0]).toMatchObject({ decisionId: out.decisionId, profileId: 'p-1', step: 'perk' });
    expect(decisions.items[0]!.explanation).toEqual(out.explanation);
    expect(out.variant).toBe('loyalty-perk-v1');
    // The send function counts it once the message is sent (send request `decision: 'perk'`).
    expect(await bandit.get('service-follow-up', 'perk')).toEqual({});
  });

  it('does nothing, with a reason, for an unknown profile', async () => {
    const out = await decide(
      {
        profiles: { get: async () => undefined },
        variants: { approvedVariants: async () => [] },
        bandit: new MemoryBandit(),
        decisions: new MemoryDecisions(),
        random: seededRandom(5),
        config,
      },
      request([offer, nothing]),
    );
    expect(out).toMatchObject({ action: 'nothing', variant: null, content: null });
    expect(out.explanation.chosen.reason).toBe('profile_not_found');
  });

  it('picks a variant for a send by intent, and does nothing when none is approved', async () => {
    const deps = {
      profiles: { get: async () => profile() },
      variants: { approvedVariants: async () => [variant('a'), variant('b')] },
      bandit: new MemoryBandit(),
      decisions: new MemoryDecisions(),
      random: seededRandom(9),
      config,
    };
    const out = await decide(deps, reminderVariant('2026-03-02T10:00:00Z'));
    expect(out).toMatchObject({ action: 'content', channel: 'email', purpose: 'marketing' });
    expect(['a', 'b']).toContain(out.variant);
    const none = await decide(
      { ...deps, variants: { approvedVariants: async () => [] } },
      reminderVariant('2026-03-02T11:00:00Z'),
    );
    expect(none).toMatchObject({ action: 'nothing', variant: null });
    expect(none.explanation.chosen.reason).toBe('no_approved_variant');
  });

  it('returns the chosen offer’s discount for the send step, 0 for any other action or no decision', async () => {
    const deps = {
      profiles: { get: async () => profile() },
      variants: { approvedVariants: async (q: { intent: string }) => [variant(`${q.intent}-v1`)] },
      bandit: new MemoryBandit(),
      decisions: new MemoryDecisions(),
      random: seededRandom(5),
      config,
    };
    const withCohort = (candidates: CandidateInput[], at: string) =>
      DecideRequest.parse({
        ...request(candidates),
        assignment: { arm: 'standard', cohort: { ageBand: '65+' } },
        at,
      });
    const offered = await decide(deps, withCohort([offer], '2026-03-02T10:00:00.000Z'));
    expect(offered).toMatchObject({ action: 'offer', discount: offer.discount });
    const helped = await decide(deps, withCohort([content], '2026-03-02T11:00:00.000Z'));
    expect(helped).toMatchObject({ action: 'content', discount: 0 });
    const idle = await decide(deps, withCohort([nothing], '2026-03-02T12:00:00.000Z'));
    expect(idle).toMatchObject({ action: 'nothing', discount: 0 });
    const lost = await decide(
      { ...deps, profiles: { get: async () => undefined } },
      withCohort([offer], '2026-03-02T13:00:00.000Z'),
    );
    expect(lost).toMatchObject({ action: 'nothing', discount: 0 });
    const chosen = await decide(deps, reminderVariant('2026-03-02T14:00:00Z'));
    expect(chosen).toMatchObject({ action: 'content', discount: 0 });
    const none = await decide(
      { ...deps, variants: { approvedVariants: async () => [] } },
      reminderVariant('2026-03-02T15:00:00Z'),
    );
    expect(none).toMatchObject({ action: 'nothing', discount: 0 });
  });

  it('gives the same decision id to a retried state entry', () => {
    const a = run(request([nothing]));
    const b = run(request([nothing]));
    expect(a.decisionId).toBe(b.decisionId);
    expect(Candidate.parse(nothing).kind).toBe('nothing');
  });
});
