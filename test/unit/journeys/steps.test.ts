import { describe, expect, it } from 'vitest';
import { inGlobalControl } from '../../../shared/domain/experiments/assignment.js';
import { sendTimeArm } from '../../../shared/domain/experiments/send-time.js';
import { JourneyStepRequest, runJourneyStep } from '../../../shared/domain/journeys/steps.js';
import type { AssignmentRecord } from '../../../shared/ports/journeys.js';
import { FakeRunner, MemoryBandit, MemoryOccurrences, MemoryTokens, profile } from './support.js';

function deps(p = profile()) {
  const written: unknown[] = [];
  return {
    tokens: new MemoryTokens(),
    occurrences: new MemoryOccurrences(),
    runner: new FakeRunner(),
    profiles: { get: async () => p },
    profileWriter: { setJourneyTraits: async (...args: unknown[]) => void written.push(args) },
    bandit: new MemoryBandit(),
    written,
  };
}
const common = {
  profileId: 'p-1',
  journey: 'cart-recovery',
  entryKey: 'cart-1',
  executionId: 'exec-1',
  step: 's',
};
const order = (cartId: string, at: string, eventId = 'o-evt') => ({
  profileId: 'p-1',
  event: 'OrderCompleted',
  eventId,
  at,
  keys: { cartId },
  facts: { revenue: 80 },
});

/** An exit check on orders for `cart-1` since `since`. */
const cartExitCheck = (since: string, extra: { triggerEventId?: string } = {}) =>
  JourneyStepRequest.parse({
    action: 'checkExit',
    ...common,
    since,
    ...extra,
    conditions: [{ event: 'OrderCompleted', keyProperty: 'cartId' }],
    lastSend: null,
  });

describe('journey-step', () => {
  it('exits on an order for the same cart and credits the last sent variant with a conversion', async () => {
    const d = deps();
    await d.occurrences.record(order('cart-1', '2026-03-02T12:00:00Z'));
    const out = await runJourneyStep(
      d,
      JourneyStepRequest.parse({
        action: 'checkExit',
        ...common,
        since: '2026-03-02T10:00:00Z',
        conditions: [{ event: 'OrderCompleted', keyProperty: 'cartId', conversion: true }],
        lastSend: { step: 'reminder', decision: 'reminder', result: { outcome: 'Sent' } },
        decisions: { reminder: { variant: 'v2' } },
      }),
    );
    expect(out).toEqual({
      action: 'checkExit',
      exit: true,
      reason: 'exit_on_OrderCompleted',
      converted: true,
    });
    expect(await d.bandit.get('cart-recovery', 'reminder')).toEqual({ v2: { exposures: 0, conversions: 1 } });
  });

  it('does not exit on an order for another cart, or one before the journey started', async () => {
    const d = deps();
    await d.occurrences.record(order('cart-2', '2026-03-02T12:00:00Z', 'a'));
    await d.occurrences.record(order('cart-1', '2026-03-02T09:00:00Z', 'b'));
    const out = await runJourneyStep(d, cartExitCheck('2026-03-02T10:00:00Z'));
    expect(out).toMatchObject({ exit: false });
  });

  it('exits on an order placed milliseconds after the journey started, not on one just before', async () => {
    const d = deps();
    // Occurrences carry the customer's event time to the millisecond (DomainEvent.occurredAt).
    await d.occurrences.record(order('cart-1', '2026-03-02T12:00:00.020Z', 'before'));
    const check = () =>
      runJourneyStep(d, cartExitCheck('2026-03-02T12:00:00.027Z', { triggerEventId: 'cart-evt' }));
    expect(await check()).toMatchObject({ exit: false });
    await d.occurrences.record(order('cart-1', '2026-03-02T12:00:00.031Z', 'after'));
    expect(await check()).toMatchObject({ exit: true, reason: 'exit_on_OrderCompleted' });
  });

  it('follows a profile merge: the order arrives under the profile the person was merged into', async () => {
    const aliases = { mergedInto: async (id: string) => (id === 'p-1' ? 'p-live' : undefined) };
    const d = { ...deps(), aliases };
    await d.occurrences.record({ ...order('cart-1', '2026-03-02T12:00:00Z'), profileId: 'p-live' });
    const check = (dd: typeof d | ReturnType<typeof deps>) =>
      runJourneyStep(dd, cartExitCheck('2026-03-02T10:00:00Z'));
    expect(await check(d)).toMatchObject({ exit: true, reason: 'exit_on_OrderCompleted' });
    // Without the alias the order under the other id is not this person's.
    const without = deps();
    await without.occurrences.record({ ...order('cart-1', '2026-03-02T12:00:00Z'), profileId: 'p-live' });
    expect(await check(without)).toMatchObject({ exit: false });
    // A wait registered after the merge is stored under the live id, where the event will arrive.
    await runJourneyStep(
      d,
      JourneyStepRequest.parse({
        action: 'registerWait',
        ...common,
        event: 'CsatSubmitted',
        token: 'tok-merged',
        since: '2026-03-02T10:00:00Z',
        timeoutSeconds: 3600,
        at: '2026-03-02T13:00:00Z',
      }),
    );
    expect(d.tokens.items.map((t) => [t.profileId, t.token])).toEqual([['p-live', 'tok-merged']]);
  });

  it('never exits on its own trigger, but exits on a later occurrence of the same event (replenishment)', async () => {
    const d = deps();
    // The trigger order is recorded at the journey's start; a new order comes later.
    await d.occurrences.record({ ...order('c', '2026-03-02T10:00:00Z', 'trigger-evt'), keys: {} });
    const check = (triggerEventId: string) =>
      runJourneyStep(
        d,
        JourneyStepRequest.parse({
          action: 'checkExit',
          ...common,
          journey: 'replenishment',
          entryKey: 'o-1',
          since: '2026-03-02T10:00:00Z',
          triggerEventId,
          conditions: [{ event: 'OrderCompleted', conversion: true }],
          lastSend: null,
        }),
      );
    expect(await check('trigger-evt')).toMatchObject({ exit: false });
    await d.occurrences.record({ ...order('c', '2026-03-05T10:00:00Z', 'new-order'), keys: {} });
    expect(await check('trigger-evt')).toMatchObject({ exit: true, reason: 'exit_on_OrderCompleted' });
  });

  it('stores a keyed wait token, and resumes at once when the event already happened', async () => {
    const d = deps();
    const register = (token: string) =>
      runJourneyStep(
        d,
        JourneyStepRequest.parse({
          action: 'registerWait',
          ...common,
          token,
          event: 'OrderCompleted',
          keyProperty: 'cartId',
          since: '2026-03-02T10:00:00Z',
          timeoutSeconds: 3600,
          at: '2026-03-02T10:00:01Z',
        }),
      );
    expect(await register('tok-1')).toMatchObject({ resumedImmediately: false });
    expect(d.tokens.items).toEqual([
      expect.objectContaining({
        token: 'tok-1',
        key: { property: 'cartId', value: 'cart-1' },
        until: '2026-03-02T11:00:01.000Z',
      }),
    ]);
    await d.occurrences.record(order('cart-1', '2026-03-02T10:30:00Z'));
    d.tokens.items.length = 0;
    expect(await register('tok-2')).toMatchObject({ resumedImmediately: true });
    expect(d.runner.resumed).toEqual([
      {
        token: 'tok-2',
        output: expect.objectContaining({
          event: 'OrderCompleted',
          detail: { cartId: 'cart-1', revenue: 80 },
        }),
      },
    ]);
    expect(d.tokens.items).toHaveLength(0);
  });

  it('evaluates branch rules in order against the trigger, the awaited event and the profile', async () => {
    const d = deps(profile({ features: { lastNps: 10 } }));
    const branch = (extra: Record<string, unknown>) =>
      runJourneyStep(
        d,
        JourneyStepRequest.parse({
          action: 'evaluateBranch',
          ...common,
          rules: [
            {
              all: [{ source: 'event', step: 'waitCsat', path: 'detail.score', op: 'lte', value: 2 }],
              next: 'apology',
            },
            {
              all: [{ source: 'trigger', path: 'hesitation.shippingViewed', op: 'exists' }],
              next: 'shipping',
            },
            { all: [{ source: 'features', path: 'lastNps', op: 'gte', value: 9 }], next: 'referral' },
          ],
          default: 'fallback',
          ...extra,
        }),
      );
    expect(await branch({ events: { waitCsat: { detail: { score: 1 } } } })).toEqual({
      action: 'evaluateBranch',
      next: 'apology',
      matched: 0,
    });
    expect(await branch({ trigger: { detail: { hesitation: { shippingViewed: 'x' } } } })).toMatchObject({
      next: 'shipping',
    });
    expect(await branch({})).toMatchObject({ next: 'referral', matched: 2 });
    const none = deps(profile());
    const out = await runJourneyStep(
      none,
      JourneyStepRequest.parse({
        action: 'evaluateBranch',
        ...common,
        rules: [{ all: [{ source: 'features', path: 'lastNps', op: 'gte', value: 9 }], next: 'referral' }],
        default: 'fallback',
      }),
    );
    expect(out).toMatchObject({ next: 'fallback', matched: -1 });
  });

  it('waits until the best send hour in the profile time zone', async () => {
    const d = deps(profile({ timezone: 'America/New_York', scores: { bestSendHour: 9 } }));
    const out = await runJourneyStep(
      d,
      JourneyStepRequest.parse({
        action: 'waitUntil',
        ...common,
        mode: 'bestSendTime',
        at: '2026-07-01T15:00:00Z',
      }),
    );
    // 15:00Z is 11:00 in New York (EDT): the next 09:00 local is the following day, 13:00Z.
    expect(out).toEqual({ action: 'waitUntil', until: '2026-07-02T13:00:00.000Z' });
  });

  describe('the send-time optimisation holdout', () => {
    const holdout = { holdoutShare: 0.1, fixedHour: 10, salt: 'send-time-test' };
    const idIn = (arm: 'holdout' | 'optimised') =>
      Array.from({ length: 1000 }, (_, i) => `p-${i}`).find((id) => sendTimeArm(holdout, id) === arm)!;
    const waitFor = async (profileId: string, scores: Record<string, number>) => {
      const recorded: AssignmentRecord[] = [];
      const d = {
        ...deps(profile({ profileId, timezone: 'America/New_York', scores })),
        sendTime: { holdout, assignments: { record: async (a: AssignmentRecord) => void recorded.push(a) } },
      };
      const request = (mode: 'bestSendTime' | 'window') =>
        JourneyStepRequest.parse({
          action: 'waitUntil',
          ...common,
          profileId,
          executionId: 'arn:aws:states:us-east-1:1:execution:feltfit-win-back:wb-abc',
          step: 'atBestTime',
          mode,
          at: '2026-07-01T15:00:00Z',
        });
      return {
        out: await runJourneyStep(d, request('bestSendTime')),
        recorded,
        window: request('window'),
        d,
      };
    };

    it('sends the holdout at the fixed hour and everyone else at their best hour, recording each as an exposure', async () => {
      const optimised = await waitFor(idIn('optimised'), { bestSendHour: 19 });
      // 15:00Z is 11:00 in New York (EDT): 19:00 local is 23:00Z the same day.
      expect(optimised.out).toEqual({
        action: 'waitUntil',
        until: '2026-07-01T23:00:00.000Z',
        sendTime: 'optimised',
      });
      const held = await waitFor(idIn('holdout'), { bestSendHour: 19 });
      // The fixed 10:00 local has passed at 11:00: the next is tomorrow, 14:00Z.
      expect(held.out).toEqual({
        action: 'waitUntil',
        until: '2026-07-02T14:00:00.000Z',
        sendTime: 'holdout',
      });
      expect(held.recorded).toEqual([
        {
          journey: 'send-time',
          executionName: 'wb-abc~atBestTime',
          profileId: idIn('holdout'),
          entryKey: null,
          arm: 'holdout',
          reason: 'fixed_send_hour',
          experiment: 'send-time-test',
          started: true,
          at: '2026-07-01T15:00:00Z',
        },
      ]);
      expect(optimised.recorded.map((a) => [a.arm, a.reason])).toEqual([['optimised', 'best_send_hour']]);
    });

    it('records nothing for a person without a best hour, or for a wait that is not a best-send-time wait', async () => {
      const none = await waitFor(idIn('holdout'), {});
      expect(none.out).toEqual({ action: 'waitUntil', until: '2026-07-02T14:00:00.000Z' }); // the default hour
      expect(none.recorded).toEqual([]);
      const scored = await waitFor(idIn('optimised'), { bestSendHour: 19 });
      await runJourneyStep(scored.d, scored.window);
      expect(scored.recorded).toHaveLength(1); // the best-send-time wait only
    });

    it('holds out the configured share of 100,000 people, the same people every time', () => {
      const ids = Array.from({ length: 100_000 }, (_, i) => `profile-${i}`);
      const held = ids.filter((id) => sendTimeArm(holdout, id) === 'holdout');
      expect(Math.abs(held.length / ids.length - 0.1)).toBeLessThan(0.01);
      expect(held.every((id) => sendTimeArm(holdout, id) === 'holdout')).toBe(true);
      // Its own salt: independent of the global control group's draw.
      const control = ids.filter((id) =>
        inGlobalControl({ share: 0.1, salt: 'feltfit-global-control-v1' }, id),
      );
      const both = control.filter((id) => sendTimeArm(holdout, id) === 'holdout').length;
      expect(Math.abs(both / ids.length - 0.01)).toBeLessThan(0.002);
    });
  });

  it('waits for the reorder window from the purchase cadence, less the lead days', async () => {
    const d = deps(profile({ timezone: 'UTC', features: { reorderDays: 30 }, scores: { bestSendHour: 10 } }));
    const out = await runJourneyStep(
      d,
      JourneyStepRequest.parse({
        action: 'waitUntil',
        ...common,
        mode: 'reorderWindow',
        leadDays: 3,
        at: '2026-03-01T12:00:00Z',
      }),
    );
    expect(out).toEqual({ action: 'waitUntil', until: '2026-03-29T10:00:00.000Z' });
  });

  it('does not wait inside an open local window, and waits for its start outside it', async () => {
    const d = deps(profile({ timezone: 'UTC' }));
    const at = (time: string) =>
      runJourneyStep(
        d,
        JourneyStepRequest.parse({
          action: 'waitUntil',
          ...common,
          mode: 'window',
          window: { start: '09:00', end: '18:00' },
          at: time,
        }),
      );
    expect(await at('2026-03-02T12:00:00Z')).toMatchObject({ until: '2026-03-02T12:00:00.000Z' });
    expect(await at('2026-03-02T20:00:00Z')).toMatchObject({ until: '2026-03-03T09:00:00.000Z' });
  });

  it('sets journey traits on the profile', async () => {
    const d = deps();
    await runJourneyStep(
      d,
      JourneyStepRequest.parse({
        action: 'updateProfile',
        ...common,
        set: { referralInvited: true },
        at: '2026-03-02T10:00:00Z',
      }),
    );
    expect(d.written).toEqual([
      ['p-1', { referralInvited: true }, { journey: 'cart-recovery', step: 's', at: '2026-03-02T10:00:00Z' }],
    ]);
  });

  it('rejects a request with an unknown action', () => {
    expect(JourneyStepRequest.safeParse({ action: 'launchRockets', ...common }).success).toBe(false);
  });
});
