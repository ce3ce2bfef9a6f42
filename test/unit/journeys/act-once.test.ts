/**
 * Consumers of `feltfit.profiles` events act once per event id: the outbox publisher publishes at
 * least once, so the same event (same `detail.eventId`) may arrive again under a new bus id and time.
 */
import {
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createResumeJourneysHandler } from '../../../functions/resume-journeys/app.js';
import { createStartJourneyHandler } from '../../../functions/start-journey/app.js';
import { StepFunctionsJourneyRunner } from '../../../shared/adapters/sfn/journey-runner.js';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { inGlobalControl } from '../../../shared/domain/experiments/assignment.js';
import { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import { dedupeToken } from '../../../shared/domain/journeys/triggers.js';
import { silentLogger } from '../../support/logger.js';
import { busEvent, MemoryAssignments, MemoryOccurrences, MemoryTokens } from './support.js';

const sfn = mockClient(SFNClient);
const ctx = {} as Context;
const control = defaultJourneysConfig.experiments.globalControl;
const onboarding = defaultJourneysConfig.journeys.find((j) => j.id === 'onboarding')!;
const profileId = Array.from({ length: 400 }, (_, i) => `profile-${i}`).find(
  (id) => !inGlobalControl(control, id),
)!;

beforeEach(() => sfn.reset());

/** The same opt-in published twice: new bus id and time, same eventId and customer time. */
const optIn = (busId: string, time: string, eventId?: string) =>
  busEvent(
    'ConsentChanged',
    {
      profileId,
      channel: 'email',
      purpose: 'marketing',
      granted: true,
      occurredAt: '2026-03-02T09:59:58.120Z',
      ...(eventId ? { eventId } : {}),
    },
    { id: busId, time },
  );

describe('start-journey, republished events', () => {
  function start(journey = onboarding) {
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'arn:exec:1', startDate: new Date() })
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const handler = createStartJourneyHandler(
      {
        journeys: [journey],
        stateMachines: { [journey.id]: `arn:aws:states:us-east-1:123456789012:stateMachine:${journey.id}` },
        control,
        runner: new StepFunctionsJourneyRunner(new SFNClient({ region: 'us-east-1' })),
        assignments: new MemoryAssignments(),
        now: () => new Date('2026-03-02T10:05:00.000Z'),
      },
      silentLogger,
    );
    return (e: unknown) => handler(e, ctx);
  }
  const names = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);

  it('starts one execution for a journey deduplicated by event, under the event’s eventId', async () => {
    const byEvent = JourneyDefinition.parse({ ...onboarding, id: 'welcome-each', dedupe: { by: 'event' } });
    const call = start(byEvent);
    const first = await call(optIn('bus-1', '2026-03-02T10:00:00Z', 'ev-1'));
    const again = await call(optIn('bus-2', '2026-03-02T10:03:00Z', 'ev-1'));
    expect(first).toMatchObject({ ok: true, entries: [{ outcome: 'started' }] });
    expect(again).toMatchObject({ ok: true, entries: [{ outcome: 'alreadyStarted' }] });
    expect(new Set(names()).size).toBe(1);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    // Exit checks exclude the trigger's own occurrence by this id (resume-journeys records it so).
    expect(input.trigger.eventId).toBe('ev-1');
  });

  it('still tells events without an eventId apart by their bus id (older publishers)', async () => {
    const byEvent = JourneyDefinition.parse({ ...onboarding, id: 'welcome-each', dedupe: { by: 'event' } });
    const call = start(byEvent);
    await call(optIn('bus-1', '2026-03-02T10:00:00Z'));
    await call(optIn('bus-2', '2026-03-02T10:00:00Z'));
    expect(new Set(names()).size).toBe(2);
  });

  it('puts a window dedupe by the customer’s event time, so a late republication is the same window', () => {
    const day = JourneyDefinition.parse({ ...onboarding, dedupe: { by: 'window', days: 1 } });
    // Published a second before midnight, republished after it: the customer's time decides.
    const first = optIn('bus-1', '2026-03-02T23:59:59Z', 'ev-1');
    const again = optIn('bus-2', '2026-03-03T00:00:04Z', 'ev-1');
    expect(dedupeToken(day, again)).toBe(dedupeToken(day, first));
    expect(dedupeToken(day, first)).toBe(
      `window:1:${Math.floor(Date.parse('2026-03-02T12:00:00Z') / 86_400_000)}`,
    );
  });
});

describe('resume-journeys, redelivered events', () => {
  function resume() {
    const tokens = new MemoryTokens();
    const occurrences = new MemoryOccurrences();
    const handler = createResumeJourneysHandler(
      {
        tokens,
        occurrences,
        runner: new StepFunctionsJourneyRunner(new SFNClient({ region: 'us-east-1' })),
        awaitedEvents: ['CsatSubmitted'],
      },
      silentLogger,
    );
    return { tokens, occurrences, call: (e: unknown) => handler(e, ctx) };
  }
  const waiting = (executionId: string) => ({
    profileId: 'p-1',
    event: 'CsatSubmitted',
    key: { property: 'ticketId', value: 't-1' },
    journey: 'service-follow-up',
    executionId,
    step: 'waitCsat',
    token: `tok-${executionId}`,
    until: '2026-03-05T10:00:00Z',
  });
  const csat = (busId: string) =>
    busEvent(
      'CsatSubmitted',
      { profileId: 'p-1', ticketId: 't-1', score: 2, eventId: 'ev-csat' },
      { id: busId },
    );

  it('resumes nothing when an event already handled arrives again under a new bus id', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    const { tokens, occurrences, call } = resume();
    await tokens.put(waiting('exec-1'));
    expect(await call(csat('bus-1'))).toEqual({ ok: true, outcome: 'handled', resumed: 1, stale: 0 });
    // A later wait on the same ticket must not be completed by a copy of the old answer.
    await tokens.put(waiting('exec-2'));
    expect(await call(csat('bus-2'))).toEqual({ ok: true, outcome: 'ignored', reason: 'duplicate' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    expect(tokens.items.map((t) => t.token)).toEqual(['tok-exec-2']);
    expect(occurrences.items.map((o) => o.eventId)).toEqual(['ev-csat']);
  });

  it('acts on a redelivery when the first delivery failed before it finished', async () => {
    sfn.on(SendTaskSuccessCommand).rejectsOnce(new Error('throttled')).resolves({});
    const { tokens, call } = resume();
    await tokens.put(waiting('exec-1'));
    await expect(call(csat('bus-1'))).rejects.toThrow('SendTaskSuccess failed');
    expect(await call(csat('bus-1'))).toEqual({ ok: true, outcome: 'handled', resumed: 1, stale: 0 });
    expect(tokens.items).toHaveLength(0);
  });
});
