import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  type ApprovedEmail,
  approveEmail,
  channelsConfigWithWideEmailCaps,
  finished,
  ledgerOf,
  outboxFor,
  outputOf,
  personIn,
  profileOf,
  scanTable,
  sentBy,
  startedExecution,
  waitForMessages,
} from './support/journeys.js';

// Journey time at 1/40,000 of real time: the 2-day wait lasts about 4.3 s, the 5-day wait 10.8 s.
const TIME_SCALE = 1 / 20_000;
let rt: TestRuntime;
let content: Record<'welcome' | 'guide' | 'bestsellers' | 'nudge', ApprovedEmail>;
const WELCOME = 'Welcome to the studio, from all of us';
const NUDGE = 'Ready to cast on your first project?';

/** A person opts in to marketing email: the projector emits ConsentChanged (email, marketing, granted). */
async function optIn(userId: string) {
  const email = `${userId}@example.com`;
  const res = await rt.post('/v1/identify', {
    userId,
    traits: { email, firstName: 'Ada' },
    context: { consent: { categoryPreferences: { email: true } }, timezone: 'Europe/London' },
  });
  expect(res.status).toBe(200);
  await rt.settle();
  return email;
}

beforeAll(async () => {
  rt = await startTestRuntime({
    timeScale: TIME_SCALE,
    // The series sends three marketing emails within seconds of real time; the default caps (one a
    // day) would cap the second and third. See channelsConfigWithWideEmailCaps.
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
  });
  // Copy for each send step, generated offline and approved (subject reworded) by a person, before
  // any journey runs: decide caches the approved list for a minute.
  const [welcome, guide, bestsellers, nudge] = await Promise.all([
    approveEmail(rt, { journeyStep: 'onboarding/welcome', intent: 'onboarding' }, WELCOME),
    approveEmail(
      rt,
      { journeyStep: 'onboarding/sendGuide', intent: 'onboarding' },
      'Your getting-started guide',
    ),
    approveEmail(
      rt,
      { journeyStep: 'onboarding/sendBestsellers', intent: 'onboarding' },
      'The yarns knitters reorder most',
    ),
    approveEmail(rt, { journeyStep: 'onboarding/firstOrderNudge', intent: 'onboarding' }, NUDGE),
  ]);
  content = { welcome, guide, bestsellers, nudge };
});
afterAll(async () => {
  await rt?.stop();
});

describe('onboarding through the local runtime', () => {
  it('sends welcome, the arm’s email and the first-order nudge, each with its step’s approved copy', async () => {
    const people = [
      { arm: 'guide', userId: personIn({ onboarding: 'guide' }, 'onb-guide'), middle: content.guide },
      {
        arm: 'bestsellers',
        userId: personIn({ onboarding: 'bestsellers' }, 'onb-best'),
        middle: content.bestsellers,
      },
    ];
    const emails = await Promise.all(people.map((p) => optIn(p.userId)));
    const executions = await Promise.all(
      people.map((p) => startedExecution(rt, 'onboarding', profileOf(p.userId))),
    );
    await Promise.all(executions.map((e) => finished(e, 90)));

    for (const [i, p] of people.entries()) {
      const execution = executions[i]!;
      expect({ status: execution.status, error: execution.error }).toEqual({
        status: 'SUCCEEDED',
        error: undefined,
      });
      expect(outputOf(execution).assignment.arm).toBe(p.arm);
      // The path: welcome, the arm's email, the nudge after the best send time; never the other arm.
      const other = p.arm === 'guide' ? 'sendBestsellers' : 'sendGuide';
      const middle = p.arm === 'guide' ? 'sendGuide' : 'sendBestsellers';
      expect(execution.states.filter((s) => s.endsWith('.Send'))).toEqual([
        'welcome.Send',
        `${middle}.Send`,
        'firstOrderNudge.Send',
      ]);
      expect(execution.states).toContain('atBestTime.ComputeWaitUntil');
      expect(execution.states.some((s) => s.startsWith(`${other}.`))).toBe(false);
      // What went out: one email per step, each the variant approved for that step.
      expect(await sentBy(rt, execution, emails[i]!)).toEqual([
        { step: 'welcome', variantId: content.welcome.id, subject: WELCOME },
        { step: middle, variantId: p.middle.id, subject: p.middle.subject },
        { step: 'firstOrderNudge', variantId: content.nudge.id, subject: NUDGE },
      ]);
      expect(await outboxFor(rt, emails[i]!)).toHaveLength(3);
    }
    expect(content.guide.subject).toBe('Your getting-started guide');
    expect(content.bestsellers.subject).toBe('The yarns knitters reorder most');
  });

  it('ends the series when the person orders during a wait: the welcome only', async () => {
    // Held out of replenishment, so the order does not start a reminder of its own.
    const userId = personIn({ onboarding: 'guide', replenishment: 'holdout' }, 'onb-buyer');
    const email = await optIn(userId);
    const execution = await startedExecution(rt, 'onboarding', profileOf(userId));
    await waitForMessages(rt, email, 1);
    // The welcome is out; the journey is in its two-day wait.
    expect(execution.status).toBe('RUNNING');
    expect(
      (
        await rt.post('/v1/track', {
          userId,
          event: 'Order Completed',
          properties: { order_id: 'onb-o1', revenue: 42 },
        })
      ).status,
    ).toBe(200);
    await rt.settle();
    await finished(execution);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution).exitCheck).toMatchObject({ exit: true, reason: 'exit_on_OrderCompleted' });
    expect(execution.states.filter((s) => s.endsWith('.Send'))).toEqual(['welcome.Send']);
    expect(execution.states.at(-1)).toBe('waitTwoDays.CheckExit');
    expect((await ledgerOf(rt, execution)).map((l) => [l.step, l.st])).toEqual([['welcome', 'sent']]);
    const messages = await outboxFor(rt, email);
    expect(messages.map((m) => m.subject)).toEqual([WELCOME]);
  });

  it('welcomes a holdout member (before the split) and sends nothing after it', async () => {
    const userId = personIn({ onboarding: 'holdout' }, 'onb-holdout');
    const email = await optIn(userId);
    const execution = await finished(await startedExecution(rt, 'onboarding', profileOf(userId)));

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution).assignment.arm).toBe('holdout');
    // The execution ran the welcome and the two-day wait, then took the holdout path.
    expect(execution.states.filter((s) => s.endsWith('.Send'))).toEqual(['welcome.Send']);
    expect(execution.states.at(-1)).toBe('waitTwoDays.CheckExit');
    expect((await outboxFor(rt, email)).map((m) => m.subject)).toEqual([WELCOME]);
    const assignments = await scanTable(rt, 'JOURNEYS_TABLE', (i) => i.pk === 'ASSIGN#onboarding');
    expect(assignments.find((a) => a.profileId === profileOf(userId))).toMatchObject({
      arm: 'holdout',
      started: true,
    });
  });
});
