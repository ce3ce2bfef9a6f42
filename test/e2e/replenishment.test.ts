import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  type ApprovedEmail,
  approveEmail,
  channelsConfigWithWideEmailCaps,
  eventually,
  executionsOf,
  finished,
  ledgerOf,
  outboxFor,
  outputOf,
  personIn,
  profileOf,
  sentBy,
  startedExecution,
  waitForMessages,
} from './support/journeys.js';

// Every wait is scaled locally, the reorder window's timestamp wait too: at 1/60,000 the 11-day
// window lasts about 16 s (the past orders' 27-day windows about 39 s).
const TIME_SCALE = 1 / 60_000;
const DAY = 86_400_000;
const WELCOME = 'Welcome to the studio';
const REMINDER = 'Running low on merino?';
let rt: TestRuntime;
let reminder: ApprovedEmail;

/** Posts an order `daysAgo` days before `now` (event time), as an import of past orders would. */
async function order(userId: string, orderId: string, now: number, daysAgo: number) {
  const res = await rt.post('/v1/track', {
    userId,
    event: 'Order Completed',
    properties: { order_id: orderId, revenue: 36, products: [{ product_id: 'sku-merino', quantity: 3 }] },
    timestamp: new Date(now - daysAgo * DAY).toISOString(),
  });
  expect(res.status).toBe(200);
}

/**
 * A person who bought every 14 days (orders 28 and 14 days ago), known before they opted in to
 * marketing email: their past orders start replenishment too, but those reminders are skipped for
 * want of consent, so the outbox holds only what the tested order causes.
 */
async function regularBuyer(userId: string, now: number) {
  const email = `${userId}@example.com`;
  expect(
    (await rt.post('/v1/identify', { userId, traits: { email }, context: { timezone: 'Asia/Tokyo' } }))
      .status,
  ).toBe(200);
  await order(userId, `${userId}-h1`, now, 28);
  await rt.settle();
  await order(userId, `${userId}-h2`, now, 14);
  await rt.settle();
  const history = executionsOf(rt, 'replenishment', profileOf(userId));
  expect(history).toHaveLength(2);
  await Promise.all(history.map((e) => finished(e)));
  expect(history.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  expect(
    (
      await rt.post('/v1/identify', {
        userId,
        traits: { email },
        context: { consent: { categoryPreferences: { email: true } } },
      })
    ).status,
  ).toBe(200);
  await rt.settle();
  return email;
}

beforeAll(async () => {
  rt = await startTestRuntime({
    timeScale: TIME_SCALE,
    // The opt-in's onboarding welcome and the reminder go out within seconds of real time; with the
    // default cap of one marketing email a day the reminder would be capped.
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
  });
  // Approved before any journey runs (decide caches the approved list for a minute). The welcome has
  // copy of its own, so it never borrows the reminder (same content intent).
  [reminder] = await Promise.all([
    approveEmail(
      rt,
      {
        journeyStep: 'replenishment/remind',
        intent: 'onboarding',
        product: { name: 'Merino DK', facts: ['Same dye lot on request'] },
      },
      REMINDER,
    ),
    approveEmail(rt, { journeyStep: 'onboarding/welcome', intent: 'onboarding' }, WELCOME),
  ]);
});
afterAll(async () => {
  await rt?.stop();
});

describe('replenishment through the local runtime', () => {
  it('waits until the reorder window of the person’s own cadence, then sends the approved reminder', async () => {
    const userId = personIn({ replenishment: 'reminder' }, 'rep-main');
    const now = Date.now();
    const email = await regularBuyer(userId, now);
    // The opt-in's onboarding welcome, and nothing from the past orders' executions.
    expect((await waitForMessages(rt, email, 1)).map((m) => m.subject)).toEqual([WELCOME]);

    const before = Date.now();
    await order(userId, `${userId}-o3`, now, 0);
    await rt.settle();
    const execution = await finished(
      await startedExecution(rt, 'replenishment', profileOf(userId), `${userId}-o3`),
    );
    const after = Date.now();

    expect({ status: execution.status, error: execution.error }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
    });
    expect(execution.states).toEqual([
      'waitReorder.ComputeWaitUntil',
      'waitReorder.CheckExit',
      'remind.CheckExit',
      'remind.ChooseVariant',
      'remind.Send',
    ]);
    // Purchase days 28, 14 and 0 days ago: a 14-day cadence, less the 3 lead days = 11 days, at the
    // default send hour (10:00) in the person's zone, Asia/Tokyo (UTC+9, no DST) = 01:00 UTC. Without
    // the cadence the default 30 days would give 27.
    const until = new Date(outputOf(execution).waitUntil.until);
    expect(until.getTime()).toBeGreaterThanOrEqual(before + 11 * DAY);
    expect(until.getTime()).toBeLessThan(after + 12 * DAY);
    expect([until.getUTCHours(), until.getUTCMinutes(), until.getUTCSeconds()]).toEqual([1, 0, 0]);

    expect(await sentBy(rt, execution, email)).toEqual([
      { step: 'remind', variantId: reminder.id, subject: REMINDER },
    ]);
    // The past orders' own executions may remind too, depending on whether the opt-in was projected
    // before their (already passed) windows: at least this order's reminder and the welcome.
    expect((await outboxFor(rt, email)).map((m) => m.subject)).toEqual(
      expect.arrayContaining([REMINDER, WELCOME]),
    );
  });

  it('ends the first execution without a reminder when a new order arrives during its wait', async () => {
    const userId = personIn({ replenishment: 'reminder' }, 'rep-again');
    const now = Date.now();
    const email = await regularBuyer(userId, now);
    await waitForMessages(rt, email, 1); // the onboarding welcome

    await order(userId, `${userId}-o3`, now, 0);
    await rt.settle();
    const first = await startedExecution(rt, 'replenishment', profileOf(userId), `${userId}-o3`);
    // The reorder window is computed and the execution waits for it.
    await eventually(
      'the first execution in its reorder wait',
      () =>
        first.status === 'RUNNING' && first.states.at(-1) === 'waitReorder.ComputeWaitUntil'
          ? true
          : undefined,
      20,
    );
    await order(userId, `${userId}-o4`, Date.now(), 0);
    await rt.settle();
    await finished(first);

    expect(first.status).toBe('SUCCEEDED');
    expect(outputOf(first).exitCheck).toMatchObject({ exit: true, reason: 'exit_on_OrderCompleted' });
    expect(first.states).toEqual(['waitReorder.ComputeWaitUntil', 'waitReorder.CheckExit']);
    expect(await ledgerOf(rt, first)).toEqual([]);
    // The new order starts its own execution; the first one sent nothing.
    expect(executionsOf(rt, 'replenishment', profileOf(userId), `${userId}-o4`)).toHaveLength(1);
  });
});
