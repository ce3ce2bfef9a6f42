import {
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createResumeJourneysHandler } from '../../../functions/resume-journeys/app.js';
import { createStartJourneyHandler } from '../../../functions/start-journey/app.js';
import { StepFunctionsJourneyRunner } from '../../../shared/adapters/sfn/journey-runner.js';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { inGlobalControl } from '../../../shared/domain/experiments/assignment.js';
import { executionName } from '../../../shared/domain/journeys/triggers.js';
import { silentLogger } from '../../support/logger.js';
import { busEvent, MemoryAssignments, MemoryOccurrences, MemoryTokens } from './support.js';

const sfn = mockClient(SFNClient);
const ctx = {} as Context;
const control = defaultJourneysConfig.experiments.globalControl;
const stateMachines = Object.fromEntries(
  defaultJourneysConfig.journeys.map((j) => [
    j.id,
    `arn:aws:states:us-east-1:123456789012:stateMachine:${j.id}`,
  ]),
);
const notInControl = (n: number) =>
  Array.from({ length: 400 }, (_, i) => `profile-${i}`).filter((id) => !inGlobalControl(control, id))[n]!;
const controlMember = Array.from({ length: 400 }, (_, i) => `profile-${i}`).find((id) =>
  inGlobalControl(control, id),
)!;

function startHandler(
  assignments = new MemoryAssignments(),
  cohorts?: { of(profileId: string): Promise<Record<string, string>> },
) {
  const handler = createStartJourneyHandler(
    {
      journeys: defaultJourneysConfig.journeys,
      stateMachines,
      control,
      runner: new StepFunctionsJourneyRunner(new SFNClient({ region: 'us-east-1' })),
      assignments,
      now: () => new Date('2026-03-02T10:00:05.000Z'),
      ...(cohorts ? { cohorts } : {}),
    },
    silentLogger,
  );
  return { assignments, call: (event: unknown) => handler(event, ctx) };
}

const checkout = (profileId: string, cartId = 'cart-1', id = 'evt-1') =>
  busEvent(
    'CheckoutStarted',
    { profileId, cartId, value: 80, hesitation: { sizeGuideViewed: '2026-03-02T09:59:00Z' } },
    { id },
  );

beforeEach(() => sfn.reset());

describe('execution names', () => {
  it('are deterministic, at most 80 characters of letters, digits and dashes, and hide the profile id', () => {
    const a = executionName('cart-recovery', 'profile-secret', 'cart-1', 'entry');
    expect(a).toBe(executionName('cart-recovery', 'profile-secret', 'cart-1', 'entry'));
    expect(a).toMatch(/^cart-recovery-[0-9a-f]+$/);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).not.toContain('profile-secret');
    expect(executionName('cart-recovery', 'profile-secret', 'cart-2', 'entry')).not.toBe(a);
  });
});

describe('start-journey', () => {
  it('enrols no one for a trigger older than the journey accepts, as when history is imported', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1', startDate: new Date() });
    const { call } = startHandler();
    const profileId = notInControl(0);
    // The handler's clock is 2026-03-02T10:00:05Z; cart recovery accepts carts up to 24 hours old.
    const lastMonth = busEvent('CheckoutStarted', {
      profileId,
      cartId: 'c-old',
      occurredAt: '2026-02-01T10:00:00.000Z',
    });
    expect(await call(lastMonth)).toMatchObject({
      ok: true,
      entries: [{ journey: 'cart-recovery', outcome: 'skipped', reason: 'stale_trigger' }],
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const yesterday = busEvent('CheckoutStarted', {
      profileId,
      cartId: 'c-new',
      occurredAt: '2026-03-01T12:00:00.000Z',
    });
    expect(await call(yesterday)).toMatchObject({
      entries: [{ journey: 'cart-recovery', outcome: 'started' }],
    });
  });

  it('starts cart recovery with a deterministic name and the journey state as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1', startDate: new Date() });
    const { call, assignments } = startHandler();
    const profileId = notInControl(0);
    const out = await call(checkout(profileId));
    expect(out).toMatchObject({ ok: true, entries: [{ journey: 'cart-recovery', outcome: 'started' }] });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.stateMachineArn).toBe(stateMachines['cart-recovery']);
    expect(input.name).toBe(executionName('cart-recovery', profileId, 'cart-1', 'entry'));
    expect(JSON.parse(input.input!)).toMatchObject({
      profileId,
      journey: 'cart-recovery',
      entryKey: 'cart-1',
      startedAt: '2026-03-02T10:00:05.000Z',
      trigger: {
        eventId: 'evt-1',
        detailType: 'CheckoutStarted',
        detail: { hesitation: { sizeGuideViewed: expect.any(String) } },
      },
      assignment: { arm: expect.stringMatching(/^(empathy|reminder|holdout)$/) },
      decisions: {},
      lastSend: null,
    });
    expect(assignments.items).toEqual([expect.objectContaining({ journey: 'cart-recovery', started: true })]);
  });

  it('records the person’s fairness cohort with the assignment and hands it to the execution', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1', startDate: new Date() });
    const looked: string[] = [];
    const { call, assignments } = startHandler(new MemoryAssignments(), {
      of: async (id) => {
        looked.push(id);
        return { ageBand: '65+' };
      },
    });
    const profileId = notInControl(1);
    await call(checkout(profileId));
    expect(looked).toEqual([profileId]);
    expect(assignments.items[0]).toMatchObject({ cohort: { ageBand: '65+' } });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input.assignment.cohort).toEqual({ ageBand: '65+' });
  });

  it('treats ExecutionAlreadyExists as success: a duplicated trigger starts one execution', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'arn:exec:1', startDate: new Date() })
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const { call } = startHandler();
    const profileId = notInControl(1);
    const first = await call(checkout(profileId, 'cart-9', 'evt-a'));
    const again = await call(checkout(profileId, 'cart-9', 'evt-b'));
    expect(first).toMatchObject({ ok: true, entries: [{ outcome: 'started' }] });
    expect(again).toMatchObject({ ok: true, entries: [{ outcome: 'alreadyStarted' }] });
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(new Set(names).size).toBe(1);
  });

  it('records global control members and does not start them', async () => {
    const { call, assignments } = startHandler();
    const out = await call(checkout(controlMember));
    expect(out).toMatchObject({ ok: true, entries: [{ outcome: 'control', reason: 'global_control' }] });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(assignments.items).toEqual([
      expect.objectContaining({ arm: 'control', reason: 'global_control', started: false }),
    ]);
  });

  it('starts journey holdout members on the holdout path and records them', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const { call, assignments } = startHandler();
    let holdoutSeen = false;
    for (let n = 0; n < 80 && !holdoutSeen; n++) {
      const out = await call(checkout(notInControl(n), `cart-${n}`));
      if (out.ok && out.entries[0] && 'arm' in out.entries[0] && out.entries[0].arm === 'holdout')
        holdoutSeen = true;
    }
    expect(holdoutSeen).toBe(true);
    const holdout = assignments.items.find((a) => a.arm === 'holdout')!;
    expect(holdout).toMatchObject({
      reason: 'journey_holdout',
      started: true,
      experiment: 'cart-recovery:split',
    });
  });

  it('skips a keyed journey when the trigger lacks the entry key', async () => {
    const { call } = startHandler();
    const out = await call(busEvent('CheckoutStarted', { profileId: notInControl(0) }));
    expect(out).toMatchObject({
      ok: true,
      entries: [{ journey: 'cart-recovery', outcome: 'skipped', reason: 'missing_entry_key' }],
    });
  });

  it('starts every journey an event triggers (an order starts replenishment)', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const { call } = startHandler();
    const out = await call(
      busEvent('OrderCompleted', { profileId: notInControl(0), orderId: 'o-1', cartId: 'c-1', revenue: 40 }),
    );
    expect(out).toMatchObject({ ok: true, entries: [{ journey: 'replenishment' }] });
  });

  it('answers a malformed event with invalid_request instead of throwing', async () => {
    const { call } = startHandler();
    expect(await call({ hello: 'world' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });
});

describe('resume-journeys', () => {
  function resumeHandler() {
    const tokens = new MemoryTokens();
    const occurrences = new MemoryOccurrences();
    const handler = createResumeJourneysHandler(
      {
        tokens,
        occurrences,
        runner: new StepFunctionsJourneyRunner(new SFNClient({ region: 'us-east-1' })),
        awaitedEvents: ['OrderCompleted'],
      },
      silentLogger,
    );
    return { tokens, occurrences, call: (e: unknown) => handler(e, ctx) };
  }
  const waiting = (cartId: string, token: string) => ({
    profileId: 'p-1',
    event: 'OrderCompleted',
    key: { property: 'cartId', value: cartId },
    journey: 'cart-recovery',
    executionId: `exec-${cartId}`,
    step: 'waitForOrder',
    token,
    until: '2026-03-02T11:00:00Z',
  });

  it('completes the token waiting for this cart with the event (ids and facts only) and deletes it', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    const { tokens, occurrences, call } = resumeHandler();
    await tokens.put(waiting('cart-1', 'tok-1'));
    await tokens.put(waiting('cart-2', 'tok-2'));
    const out = await call(
      busEvent('OrderCompleted', {
        profileId: 'p-1',
        cartId: 'cart-1',
        orderId: 'o-1',
        revenue: 80,
        note: 'free text',
      }),
    );
    expect(out).toEqual({ ok: true, outcome: 'handled', resumed: 1, stale: 0 });
    const calls = sfn.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.taskToken).toBe('tok-1');
    expect(JSON.parse(calls[0]!.args[0].input.output!)).toEqual({
      event: 'OrderCompleted',
      eventId: 'evt-1',
      at: '2026-03-02T10:00:00Z',
      detail: { cartId: 'cart-1', orderId: 'o-1', revenue: 80 },
    });
    expect(tokens.items.map((t) => t.token)).toEqual(['tok-2']);
    expect(occurrences.items).toHaveLength(1);
  });

  it('records an occurrence at the time the customer’s event happened, not when it was published', async () => {
    const { occurrences, call } = resumeHandler();
    // The order came 27 ms into the second a journey started; EventBridge's time has no milliseconds.
    await call(
      busEvent(
        'OrderCompleted',
        { profileId: 'p-1', orderId: 'o-1', revenue: 80, occurredAt: '2026-03-02T10:00:00.927Z' },
        { id: 'evt-late' },
      ),
    );
    // An event without `occurredAt` falls back to the bus time.
    await call(
      busEvent('OrderCompleted', { profileId: 'p-1', orderId: 'o-2', revenue: 5 }, { id: 'evt-bus' }),
    );
    expect(occurrences.items.map((o) => [o.eventId, o.at, o.keys])).toEqual([
      ['evt-late', '2026-03-02T10:00:00.927Z', { orderId: 'o-1' }],
      ['evt-bus', '2026-03-02T10:00:00Z', { orderId: 'o-2' }],
    ]);
  });

  it('moves the waits of a merged-away profile to the winner, and ignores a merge without both ids', async () => {
    const { tokens, call } = resumeHandler();
    await tokens.put(waiting('cart-1', 'tok-1'));
    const merge = (detail: Record<string, unknown>) =>
      call(busEvent('ProfilesMerged', detail, { id: 'evt-merge' }));
    expect(await merge({ winner: 'p-2' })).toEqual({ ok: true, outcome: 'ignored', reason: 'no_profile' });
    expect(await merge({ winner: 'p-2', loser: 'p-1' })).toEqual({ ok: true, outcome: 'merged', moved: 1 });
    expect(tokens.items.map((t) => [t.profileId, t.token])).toEqual([['p-2', 'tok-1']]);
  });

  it('ignores a token that already timed out, and still deletes it', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    const { tokens, call } = resumeHandler();
    await tokens.put(waiting('cart-1', 'tok-old'));
    const out = await call(busEvent('OrderCompleted', { profileId: 'p-1', cartId: 'cart-1' }));
    expect(out).toEqual({ ok: true, outcome: 'handled', resumed: 0, stale: 1 });
    expect(tokens.items).toHaveLength(0);
  });

  it('propagates other Step Functions errors so the event is retried', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new Error('throttled'));
    const { tokens, call } = resumeHandler();
    await tokens.put(waiting('cart-1', 'tok-1'));
    await expect(call(busEvent('OrderCompleted', { profileId: 'p-1', cartId: 'cart-1' }))).rejects.toThrow(
      'SendTaskSuccess failed',
    );
    expect(tokens.items).toHaveLength(1);
  });
});
