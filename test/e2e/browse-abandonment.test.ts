import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  type ApprovedEmail,
  approveEmail,
  channelsConfigWithWideEmailCaps,
  executionsOf,
  finished,
  ledgerOf,
  outboxFor,
  outputOf,
  personIn,
  profileOf,
  sentBy,
  startedExecution,
} from './support/journeys.js';

// Journey time at 1/400 of real time: the two-hour wait lasts 18 s, room for the checkout that
// ends it to be projected on a loaded machine.
const TIME_SCALE = 1 / 400;
const HOUR = 3_600_000;
const WELCOME = 'Welcome to the studio';
const RECOMMENDATION = 'Still thinking about the merino?';
let rt: TestRuntime;
let recommendation: ApprovedEmail;

/**
 * A consented person views a product, then views it again an hour later with nothing in a cart: the
 * projector emits BrowseAbandoned for that product on the second view.
 */
async function browseTwice(userId: string, productId: string) {
  const email = `${userId}@example.com`;
  const post = async (path: string, body: object) =>
    expect((await rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email, firstName: 'Noor' },
    context: { consent: { categoryPreferences: { email: true } } },
  });
  const now = Date.now();
  await post('/v1/track', {
    event: 'Product Viewed',
    properties: { product_id: productId, name: 'Merino DK', price: 14 },
    timestamp: new Date(now - HOUR).toISOString(),
  });
  await rt.settle();
  await post('/v1/track', {
    event: 'Product Viewed',
    properties: { product_id: productId, name: 'Merino DK', price: 14 },
    timestamp: new Date(now).toISOString(),
  });
  await rt.settle();
  return email;
}

beforeAll(async () => {
  rt = await startTestRuntime({
    timeScale: TIME_SCALE,
    // Every new opt-in also gets the onboarding welcome; with the default cap of one marketing email a
    // day (counted in real time) the recommendation two compressed hours later would be capped.
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
  });
  // Both approved before any journey runs (decide caches the approved list for a minute). The
  // welcome has copy of its own, so it never borrows the recommendation (same content intent).
  [recommendation] = await Promise.all([
    approveEmail(
      rt,
      {
        journeyStep: 'browse-abandonment/recommend',
        intent: 'onboarding',
        product: { name: 'Merino DK', facts: ['Machine washable', '50 g, 120 m'] },
      },
      RECOMMENDATION,
    ),
    approveEmail(rt, { journeyStep: 'onboarding/welcome', intent: 'onboarding' }, WELCOME),
  ]);
});
afterAll(async () => {
  await rt?.stop();
});

describe('browse abandonment through the local runtime', () => {
  it('recommends the product viewed twice, two hours later, with the approved variant', async () => {
    const userId = personIn({ 'browse-abandonment': 'recommend' }, 'browse-main');
    const email = await browseTwice(userId, 'sku-merino');
    const execution = await finished(
      await startedExecution(rt, 'browse-abandonment', profileOf(userId), 'sku-merino'),
    );

    expect({ status: execution.status, error: execution.error }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
    });
    const output = outputOf(execution);
    expect(output.trigger).toMatchObject({
      detailType: 'BrowseAbandoned',
      detail: { productId: 'sku-merino' },
    });
    expect(output.exitCheck).toMatchObject({ exit: false });
    expect(execution.states).toEqual([
      'waitTwoHours.CheckExit',
      'recommend.CheckExit',
      'recommend.ChooseVariant',
      'recommend.Send',
    ]);
    expect(await sentBy(rt, execution, email)).toEqual([
      { step: 'recommend', variantId: recommendation.id, subject: RECOMMENDATION },
    ]);
    // Besides the recommendation, only the onboarding welcome every new opt-in gets.
    expect((await outboxFor(rt, email)).map((m) => m.subject).sort()).toEqual(
      [RECOMMENDATION, WELCOME].sort(),
    );
  });

  it('sends nothing when the person starts a checkout during the wait', async () => {
    const userId = personIn({ 'browse-abandonment': 'recommend' }, 'browse-exit');
    const email = await browseTwice(userId, 'sku-alpaca');
    const execution = await startedExecution(rt, 'browse-abandonment', profileOf(userId), 'sku-alpaca');
    // Still in the two-hour wait, its first state: no task has run yet.
    expect({ status: execution.status, states: execution.states }).toEqual({ status: 'RUNNING', states: [] });
    expect(
      (
        await rt.post('/v1/track', {
          userId,
          event: 'Checkout Started',
          properties: { cart_id: 'cart-alpaca', value: 28 },
        })
      ).status,
    ).toBe(200);
    await rt.settle();
    await finished(execution);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution).exitCheck).toMatchObject({ exit: true, reason: 'exit_on_CheckoutStarted' });
    expect(execution.states).toEqual(['waitTwoHours.CheckExit']);
    expect(await ledgerOf(rt, execution)).toEqual([]);
    expect((await outboxFor(rt, email)).map((m) => m.subject)).toEqual([WELCOME]);
    expect(executionsOf(rt, 'browse-abandonment', profileOf(userId))).toHaveLength(1);
  });
});
