/**
 * A guest shopper's cart recovery survives logging in: the guest profile (named by the email) is
 * merged into the account's profile, the journey's keyed wait moves with it, and the order placed
 * under the account ends the guest's journey without a recovery email.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileIdFor } from '../../shared/domain/profiles/identifiers.js';
import { testHasher } from '../support/hasher.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  approveEmail,
  eventually,
  finished,
  outboxFor,
  personIn,
  profileOf,
  scanTable,
} from './support/journeys.js';

// Journey time at 1/100 of real time: the hour-long wait for the order lasts 36 s, time enough to
// log in and order on a loaded machine; the recovery email would follow it.
const TIME_SCALE = 1 / 100;
let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime({ timeScale: TIME_SCALE });
  // Approved copy for the recovery step, so a message would go out if the journey did not end.
  await approveEmail(
    rt,
    { journeyStep: 'cart-recovery/reassureShipping', intent: 'shipping_reassurance' },
    'Your cart ships in two working days',
  );
});
afterAll(async () => {
  await rt?.stop();
});

describe('a profile merge during a journey', () => {
  it('ends a guest’s cart recovery when they log in and order under their account', async () => {
    const emailOf = (candidate: string) => `${candidate}@example.com`;
    const guestProfileOf = (candidate: string) =>
      profileIdFor({ type: 'email', value: emailOf(candidate) }, testHasher);
    // A guest whose profile (named by the email) gets the recovery email after the wait.
    const email = emailOf(personIn({ 'cart-recovery': 'empathy' }, 'guest', guestProfileOf));
    const guest = profileIdFor({ type: 'email', value: email }, testHasher);
    const anonymousId = `anon-${guest.slice(3, 15)}`;
    const userId = `account-${guest.slice(3, 15)}`;
    const account = profileOf(userId);
    const post = async (path: string, body: object) => expect((await rt.post(path, body)).status).toBe(200);

    // The account exists from an earlier visit on another device.
    await post('/v1/track', { userId, event: 'Product Viewed', properties: { product_id: 'sku-7' } });
    // As a guest: email with consent, a cart, the shipping page, then checkout.
    await post('/v1/identify', {
      anonymousId,
      traits: { email, firstName: 'Ines' },
      context: { consent: { categoryPreferences: { email: true } }, timezone: 'Europe/Lisbon' },
    });
    await post('/v1/track', {
      anonymousId,
      event: 'Product Added',
      properties: { cart_id: 'cart-merge', product_id: 'sku-1', price: 80, quantity: 1 },
    });
    await post('/v1/page', { anonymousId, name: 'Shipping', properties: { path: '/help/shipping' } });
    await rt.settle();
    await post('/v1/track', {
      anonymousId,
      event: 'Checkout Started',
      properties: { cart_id: 'cart-merge' },
    });
    await rt.settle();
    const execution = await eventually('the guest’s cart recovery', () =>
      [...rt.stepFunctions.executions.values()].find((e) => e.input.includes('cart-merge')),
    );
    expect(JSON.parse(execution.input).profileId).toBe(guest);
    await eventually('the keyed wait', () =>
      execution.states.at(-1) === 'waitForOrder.WaitForEvent' ? true : undefined,
    );

    // Logging in links the guest's anonymous id to the account: the guest profile is merged into it.
    await post('/v1/identify', { userId, anonymousId });
    await rt.settle();
    await eventually('the merge', () =>
      rt.bus.history.find(
        (e) =>
          e['detail-type'] === 'ProfilesMerged' &&
          (e.detail as { loser?: string }).loser === guest &&
          (e.detail as { winner?: string }).winner === account,
      ),
    );
    await rt.settle();
    // The order arrives under the account, for the guest's cart.
    await post('/v1/track', {
      userId,
      event: 'Order Completed',
      properties: { order_id: 'o-merge', cart_id: 'cart-merge', revenue: 80 },
    });
    await rt.settle();
    await finished(execution, 60);

    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.events.waitForOrder.detail).toMatchObject({ cartId: 'cart-merge', orderId: 'o-merge' });
    expect(execution.states.filter((s) => /Send|Decide/.test(s))).toEqual([]);
    expect(await outboxFor(rt, email)).toEqual([]);
    // The merge left an alias for exit checks, and no wait behind under the guest's id.
    const journeys = await scanTable(rt, 'JOURNEYS_TABLE', (i) => String(i.pk).includes(guest));
    expect(journeys.filter((i) => String(i.pk).startsWith('WAIT#'))).toEqual([]);
    expect(journeys.find((i) => i.pk === `MERGED#${guest}`)).toMatchObject({ winner: account });
  });
});
