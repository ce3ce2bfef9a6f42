import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../infra/cli/commands/run.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  type ApprovedEmail,
  approveEmail,
  channelsConfigWithWideEmailCaps,
  eventually,
  executionsOf,
  finished,
  outboxFor,
  personIn,
  profileOf,
  scanTable,
} from './support/journeys.js';

let rt: TestRuntime;
let referral: ApprovedEmail;
let thankYou: ApprovedEmail;
let launch: ApprovedEmail;

/** `npx feltfit run …` against this runtime (its runtime.json), capturing what it prints. */
async function feltfitRun(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { FELTFIT_DATA_DIR: rt.dataDir },
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))),
  });
  return { code, out: out.join(''), err: err.join('') };
}

/** A consented customer with one order and, optionally, an NPS answer. */
async function customer(userId: string, nps?: number) {
  const post = async (path: string, body: object) =>
    expect((await rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email: `${userId}@example.com` },
    context: { consent: { categoryPreferences: { email: true } } },
  });
  await post('/v1/track', {
    event: 'Order Completed',
    properties: { order_id: `o-${userId}`, revenue: 80 },
    timestamp: new Date(Date.now() - 40 * 86_400_000).toISOString(),
  });
  if (nps !== undefined) await post('/v1/track', { event: 'NPS Submitted', properties: { score: nps } });
}

/** The messages to a person with this subject (consented people also get the onboarding welcome). */
async function messagesTo(userId: string, subject: string) {
  return (await outboxFor(rt, `${userId}@example.com`)).filter((m) => m.subject === subject);
}

beforeAll(async () => {
  // Opting in starts onboarding, whose welcome takes the day's marketing email; the caps would
  // rightly hold the campaign until tomorrow, so this deployment allows more email a day.
  rt = await startTestRuntime({
    timeScale: 1 / 1000,
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
  });
  // Opting in starts onboarding and an order starts replenishment: their emails get copy of their
  // own, so that they never borrow the campaign's copy (variants written for a step are preferred).
  await approveEmail(
    rt,
    { journeyStep: 'onboarding/welcome', intent: 'onboarding' },
    'Welcome to Loop & Purl',
  );
  await approveEmail(rt, { journeyStep: 'replenishment/remind', intent: 'onboarding' }, 'Time to restock?');
  referral = await approveEmail(
    rt,
    { journeyStep: 'loyalty-referral/referral', intent: 'onboarding' },
    'Share the love: give a friend 10%',
  );
  thankYou = await approveEmail(
    rt,
    { journeyStep: 'loyalty-referral/thankYou', intent: 'service_follow_up' },
    'Thank you for staying with us',
  );
  launch = await approveEmail(
    rt,
    { journeyStep: 'campaign-message/send', intent: 'onboarding' },
    'Our spring collection is here',
  );
});
afterAll(async () => {
  await rt?.stop();
});

describe('campaign runs through the local runtime (npx feltfit run)', () => {
  it('runs loyalty and referral for the audience only: the promoter is invited, the detractor thanked', async () => {
    const promoter = personIn({ 'loyalty-referral': 'standard' }, 'camp-promoter');
    const detractor = personIn({ 'loyalty-referral': 'standard' }, 'camp-detractor');
    const prospect = personIn({ 'loyalty-referral': 'standard' }, 'camp-prospect');
    await customer(promoter, 10);
    await customer(detractor, 3);
    // Never ordered: outside the audience below.
    expect(
      (
        await rt.post('/v1/identify', {
          userId: prospect,
          traits: { email: `${prospect}@example.com` },
          context: { consent: { categoryPreferences: { email: true } } },
        })
      ).status,
    ).toBe(200);
    await rt.settle();

    const result = await feltfitRun(
      '--journey',
      'loyalty-referral',
      '--audience',
      JSON.stringify({ all: [{ source: 'features', path: 'ordersCount', op: 'gte', value: 1 }] }),
      '--rate',
      '1000',
      '--page-size',
      '2',
      '--run-id',
      'loyalty-2026-11',
      '--wait',
      '--json',
    );
    expect(result).toEqual({ err: '', code: 0, out: expect.stringContaining('SUCCEEDED') });
    // Three profiles in pages of two; two of them in the audience.
    expect(JSON.parse(result.out)).toMatchObject({
      status: 'SUCCEEDED',
      totals: { pages: 2, scanned: 3, requested: 2 },
    });
    await rt.settle();

    await eventually(
      'the referral invitation',
      async () => (await messagesTo(promoter, referral.subject))[0],
    );
    await eventually('the thank-you', async () => (await messagesTo(detractor, thankYou.subject))[0]);
    expect(await messagesTo(promoter, thankYou.subject)).toEqual([]);
    expect(await messagesTo(detractor, referral.subject)).toEqual([]);
    const runs = () =>
      [promoter, detractor, prospect].flatMap((u) => executionsOf(rt, 'loyalty-referral', profileOf(u)));
    for (const e of runs()) await finished(e);
    expect(runs()).toHaveLength(2);
    expect(executionsOf(rt, 'loyalty-referral', profileOf(prospect))).toEqual([]);
    expect(await messagesTo(prospect, referral.subject)).toEqual([]);
    expect(await messagesTo(prospect, thankYou.subject)).toEqual([]);

    // The journey marked the promoter as invited (a journey trait on the profile).
    const [item] = await scanTable(
      rt,
      'PROFILES_TABLE',
      (i) => i.pk === `PROFILE#${profileOf(promoter)}` && i.sk === 'PROFILE',
    );
    expect(item?.journeyTraits).toMatchObject({
      referralInvited: { v: true, journey: 'loyalty-referral', step: 'markInvited' },
    });

    // The run id is used once: starting it again is refused and requests no one twice.
    const again = await feltfitRun('--journey', 'loyalty-referral', '--run-id', 'loyalty-2026-11');
    expect(again.code).not.toBe(0);
    expect(runs()).toHaveLength(2);
  });

  it('sends one message to an audience, behind the campaign holdout', async () => {
    const reader = personIn({ 'campaign-message': 'message' }, 'camp-reader');
    const held = personIn({ 'campaign-message': 'holdout' }, 'camp-held');
    await customer(reader);
    await customer(held);
    await rt.settle();
    const result = await feltfitRun(
      '--message',
      'email:bestsellers',
      '--audience',
      JSON.stringify({
        all: [{ source: 'features', path: 'ordersCount', op: 'gte', value: 1 }],
      }),
      '--rate',
      '1000',
      '--wait',
    );
    expect(result).toMatchObject({ code: 0, out: expect.stringMatching(/SUCCEEDED/) });
    await rt.settle();
    await eventually('the campaign message', async () => (await messagesTo(reader, launch.subject))[0]);
    const [heldRun] = executionsOf(rt, 'campaign-message', profileOf(held));
    await finished(heldRun!);
    expect(heldRun!.status).toBe('SUCCEEDED');
    expect(JSON.parse(heldRun!.input).assignment.arm).toBe('holdout');
    expect(await messagesTo(held, launch.subject)).toEqual([]);
    expect(await messagesTo(reader, launch.subject)).toHaveLength(1);
  });

  it('refuses an invalid run before starting it, and the state machine fails one that reaches it', async () => {
    const bad = await feltfitRun('--message', 'email');
    expect(bad.code).toBe(2); // not started
    expect(bad.err).toMatch(/CHANNEL:INTENT/);
    const rate = await feltfitRun('--journey', 'loyalty-referral', '--rate=-1');
    expect(rate.code).toBe(2);
    expect(rate.err).toMatch(/ratePerSecond/);
    // Valid as input, but not a campaign journey of this deployment: refused before starting, as the
    // console's launch is; a run that reaches the state machine anyway fails in its Plan step.
    const cli = await feltfitRun('--journey', 'cart-recovery', '--wait');
    expect(cli.code).toBe(2);
    expect(cli.err).toMatch(/journey: 'cart-recovery' is not a deployed campaign journey/);

    const [arn] = rt.stepFunctions.stateMachineArns.filter((a) => a.endsWith(':feltfit-campaign-run'));
    const execution = rt.stepFunctions.startExecution(arn!, JSON.stringify({ journey: 'cart-recovery' }));
    await execution.done;
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidCampaignRun');
    expect(execution.cause).toMatch(/not a deployed campaign journey/);
  });
});
