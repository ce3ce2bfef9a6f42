import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import { adminPost, outboxFor as outboxOf, personIn, profileOf, scanTable } from './support/journeys.js';

// Journey time at 1/700 of real time: the hour-long wait for an order lasts about 5 s.
const TIME_SCALE = 1 / 700;
let rt: TestRuntime;
let approvedVariantId: string;

/** A consented shopper who looked at the shipping page, then started checkout. */
async function abandonCheckout(userId: string, cartId: string, options: { twice?: boolean } = {}) {
  const email = `${userId}@example.com`;
  const post = async (path: string, body: object) =>
    expect((await rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email, firstName: 'Noor' },
    context: { consent: { categoryPreferences: { email: true } }, timezone: 'Europe/London' },
  });
  await post('/v1/track', {
    event: 'Product Added',
    properties: { cart_id: cartId, product_id: 'sku-1', price: 120, quantity: 1 },
  });
  await post('/v1/page', { name: 'Shipping', properties: { path: '/help/shipping' } });
  await rt.settle();
  await post('/v1/track', { event: 'Checkout Started', properties: { cart_id: cartId, value: 120 } });
  if (options.twice)
    await post('/v1/track', { event: 'Checkout Started', properties: { cart_id: cartId, value: 120 } });
  await rt.settle();
  return email;
}

const executionsFor = (cartId: string) =>
  [...rt.stepFunctions.executions.values()].filter((e) => e.input.includes(cartId));

const outboxFor = (email: string) => outboxOf(rt, email);

beforeAll(async () => {
  rt = await startTestRuntime({ timeScale: TIME_SCALE });
  // Content for the step, generated offline and approved by a person.
  const generated = await adminPost(rt, '/admin/content/generate', {
    journeyStep: 'cart-recovery/reassureShipping',
    intent: 'shipping_reassurance',
    channel: 'email',
    audience: { segment: 'cart-abandoners' },
    product: { name: 'Merino wrap cardigan', facts: ['Ships in 2 working days'] },
    n: 1,
  });
  expect(generated.status).toBe(201);
  approvedVariantId = generated.body.variants[0].id;
  const review = await adminPost(rt, `/admin/content/${approvedVariantId}/review`, {
    decision: 'approve',
    comment: 'answers the shipping worry',
    reviewer: 'maria',
  });
  expect(review.status).toBe(200);
});
afterAll(async () => {
  await rt?.stop();
});

describe('cart recovery through the local runtime', () => {
  it('sends one recovery email that answers the inferred hesitation, using the approved variant', async () => {
    const userId = personIn({ 'cart-recovery': 'empathy' }, 'cart-empathy');
    const email = await abandonCheckout(userId, 'cart-e1', { twice: true });
    // The trigger arrived twice: one execution.
    expect(executionsFor('cart-e1')).toHaveLength(1);

    const deadline = Date.now() + 60_000;
    while ((await outboxFor(email)).length === 0) {
      if (Date.now() > deadline) throw new Error('no recovery email within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const messages = await outboxFor(email);
    expect(messages).toHaveLength(1);
    const decisions = await scanJourneys((i) => String(i.pk).startsWith('DECISION#'));
    expect(JSON.stringify(decisions)).toContain(approvedVariantId);
  });

  it('exits without a message when the order for that cart arrives during the wait', async () => {
    const userId = personIn({ 'cart-recovery': 'empathy' }, 'cart-buyer');
    const email = await abandonCheckout(userId, 'cart-b1');
    expect(
      (
        await rt.post('/v1/track', {
          userId,
          event: 'Order Completed',
          properties: { order_id: 'o-b1', cart_id: 'cart-b1', revenue: 120 },
        })
      ).status,
    ).toBe(200);
    await rt.settle();
    const [execution] = executionsFor('cart-b1');
    await execution!.done;
    expect(execution!.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution!.output!);
    // The keyed wait received the order for this cart and the journey ended (through the exit
    // condition or the wait's `purchased` exit, depending on which the order reached first).
    expect(output.events.waitForOrder.detail).toMatchObject({ cartId: 'cart-b1', orderId: 'o-b1' });
    expect(execution!.states.filter((s) => /Send|Decide/.test(s))).toEqual([]);
    expect(await outboxFor(email)).toEqual([]);
  });

  it('sends nothing to a holdout member and records the holdout', async () => {
    const userId = personIn({ 'cart-recovery': 'holdout' }, 'cart-holdout');
    const email = await abandonCheckout(userId, 'cart-h1');
    const [execution] = executionsFor('cart-h1');
    await execution!.done;
    expect({ status: execution!.status, error: execution!.error, cause: execution!.cause }).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(await outboxFor(email)).toEqual([]);
    const assignments = await scanJourneys(
      (i) => String(i.pk).startsWith('ASSIGN#') && String(i.executionName ?? i.sk).length > 0,
    );
    const profileId = profileOf(userId);
    expect(assignments.find((a) => a.profileId === profileId && a.journey === 'cart-recovery')).toMatchObject(
      {
        arm: 'holdout',
      },
    );
  });
});

const scanJourneys = (keep: (item: Record<string, unknown>) => boolean) =>
  scanTable(rt, 'JOURNEYS_TABLE', keep);
