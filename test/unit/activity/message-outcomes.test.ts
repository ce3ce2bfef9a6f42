/**
 * The per-person message log on the send and decide paths: each decided outcome is recorded once,
 * with the rule's reason for a skip; a step without approved content is a skipped message; and a
 * failing log never fails or changes the decision.
 */
import { describe, expect, it } from 'vitest';
import { DecideConfig } from '../../../shared/config/journeys.js';
import { missingContentSkip } from '../../../shared/domain/activity/counters.js';
import { send } from '../../../shared/domain/channels/send.js';
import { DecideRequest, decide } from '../../../shared/domain/journeys/decide.js';
import { seededRandom } from '../../../shared/domain/random.js';
import type { MessageOutcome } from '../../../shared/ports/activity.js';
import { memorySendDeps, recipient, request } from '../channels/support.js';
import { MemoryBandit, MemoryDecisions, profile } from '../journeys/support.js';

function withLog(fail = false) {
  const s = memorySendDeps({ people: [recipient({ consent: { email: false } })] });
  const logged: MessageOutcome[] = [];
  const outcomes = {
    record: async (o: MessageOutcome) => {
      if (fail) throw new Error('log down');
      logged.push(o);
    },
  };
  return { ...s, deps: { ...s.deps, outcomes }, logged };
}

describe('the send path records each outcome for the person', () => {
  it('records a consent skip with its reason, the journey step and the channel', async () => {
    const s = withLog();
    const out = await send(s.deps, request());
    expect(out).toMatchObject({ outcome: 'Skipped', reason: 'no_consent' });
    expect(s.logged).toEqual([
      expect.objectContaining({
        profileId: 'prof-1',
        channel: 'email',
        journey: 'welcome',
        step: 'send-welcome',
        status: 'skipped',
        reason: 'no_consent',
        variantId: 'v-1',
      }),
    ]);
  });

  it('records a sent message once, and a replay of the same step not again', async () => {
    const s = memorySendDeps();
    const logged: MessageOutcome[] = [];
    const deps = { ...s.deps, outcomes: { record: async (o: MessageOutcome) => void logged.push(o) } };
    expect(await send(deps, request())).toMatchObject({ outcome: 'Sent' });
    expect(await send(deps, request())).toMatchObject({ outcome: 'Sent' });
    expect(logged.map((o) => o.status)).toEqual(['sent']);
  });

  it('keeps the decision when the log fails', async () => {
    const s = withLog(true);
    expect(await send(s.deps, request())).toMatchObject({ outcome: 'Skipped', reason: 'no_consent' });
  });
});

const config = DecideConfig.parse({});
const variantRequest = DecideRequest.parse({
  mode: 'variant',
  profileId: 'p-1',
  journey: 'cart-recovery',
  executionId: 'exec',
  step: 'reminder',
  channel: 'email',
  intent: 'cart-reminder',
  at: '2026-03-02T10:00:00.000Z',
});

describe('a journey step without approved content', () => {
  it('is logged as a skipped message with the reason no_approved_variant', async () => {
    const logged: MessageOutcome[] = [];
    await decide(
      {
        profiles: { get: async () => profile() },
        variants: { approvedVariants: async () => [] },
        bandit: new MemoryBandit(),
        decisions: new MemoryDecisions(),
        random: seededRandom(1),
        config,
        outcomes: { record: async (o) => void logged.push(o) },
      },
      variantRequest,
    );
    expect(logged).toEqual([
      {
        profileId: 'p-1',
        at: '2026-03-02T10:00:00.000Z',
        journey: 'cart-recovery',
        step: 'reminder',
        executionId: 'exec',
        channel: 'email',
        intent: 'cart-reminder',
        status: 'skipped',
        reason: 'no_approved_variant',
      },
    ]);
  });

  it('counts for a decide step only when no acting candidate could be chosen', () => {
    const request = DecideRequest.parse({
      mode: 'decide',
      profileId: 'p-1',
      journey: 'service-follow-up',
      executionId: 'exec',
      step: 'perk',
      entryKey: null,
      events: {},
      candidates: [
        { id: 'perk', kind: 'offer', intent: 'loyalty-perk', channel: 'email', discount: 0.1 },
        { id: 'nothing', kind: 'nothing' },
      ],
      at: '2026-03-02T10:00:00.000Z',
    });
    const starved = {
      action: 'nothing',
      explanation: {
        chosen: { reason: 'highest_expected_value' },
        candidates: [
          { id: 'perk', kind: 'offer', eligible: false, reasons: ['no_approved_variant'] },
          { id: 'nothing', kind: 'nothing', eligible: true, reasons: [] },
        ],
      },
    } as never;
    expect(missingContentSkip(request, starved)).toMatchObject({
      channel: 'email',
      intent: 'loyalty-perk',
      reason: 'no_approved_variant',
    });
    const chosenNothing = {
      action: 'nothing',
      explanation: {
        chosen: { reason: 'highest_expected_value' },
        candidates: [
          { id: 'perk', kind: 'offer', eligible: true, reasons: [] },
          { id: 'nothing', kind: 'nothing', eligible: true, reasons: [] },
        ],
      },
    } as never;
    expect(missingContentSkip(request, chosenNothing)).toBeUndefined();
  });
});
