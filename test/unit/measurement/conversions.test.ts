import { describe, expect, it } from 'vitest';
import { defaultMeasurementConfig, MeasurementConfig } from '../../../shared/config/measurement.js';
import {
  type Conversion,
  type CreditOutcome,
  creditedExposures,
  type Exposure,
  lastTouch,
  recordConversion,
  type Touch,
} from '../../../shared/domain/measurement/conversions.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2026-11-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const windows = defaultMeasurementConfig.attribution; // email: send 1 d, click 5 d; sms: send 1 d

const touch = (over: Partial<Touch>): Touch => ({
  messageId: 'm',
  channel: 'email',
  journey: 'cart-recovery',
  step: 'reminder',
  executionId: 'x',
  sentAt: T0,
  ...over,
});

describe('lastTouch (attribution windows)', () => {
  it('credits a send within its channel’s send window, and nothing after it closes', () => {
    const email = touch({ messageId: 'e1', sentAt: T0 });
    expect(lastTouch([email], iso(T0 + 23 * H), windows)).toMatchObject({ messageId: 'e1', via: 'send' });
    expect(lastTouch([email], iso(T0 + 25 * H), windows)).toBeUndefined();
  });

  it('extends an email’s window from its click (5 days), not from the send', () => {
    const clicked = touch({ messageId: 'e1', sentAt: T0, clickedAt: T0 + 2 * D });
    expect(lastTouch([clicked], iso(T0 + 6 * D), windows)).toMatchObject({ messageId: 'e1', via: 'click' });
    expect(lastTouch([clicked], iso(T0 + 7.5 * D), windows)).toBeUndefined();
  });

  it('never credits a message sent after the conversion', () => {
    expect(lastTouch([touch({ sentAt: T0 + H })], iso(T0), windows)).toBeUndefined();
  });

  it('takes the latest touch across channels (last touch wins)', () => {
    const email = touch({ messageId: 'e1', channel: 'email', sentAt: T0, clickedAt: T0 + 3 * H });
    const sms = touch({ messageId: 's1', channel: 'sms', journey: 'win-back', sentAt: T0 + 5 * H });
    const push = touch({ messageId: 'p1', channel: 'push', sentAt: T0 - 2 * D }); // window closed
    expect(lastTouch([email, sms, push], iso(T0 + 6 * H), windows)).toMatchObject({
      messageId: 's1',
      channel: 'sms',
    });
    // Once the SMS's one-day window closes, the clicked email (five days from its click) is the last
    // touch still open.
    expect(lastTouch([email, sms, push], iso(T0 + 2 * D), windows)).toMatchObject({
      messageId: 'e1',
      via: 'click',
    });
  });

  it('follows configured windows', () => {
    const narrow = MeasurementConfig.parse({
      attribution: { email: { sendDays: 0.25, clickDays: 0.5 } },
    }).attribution;
    expect(lastTouch([touch({})], iso(T0 + 7 * H), narrow)).toBeUndefined();
    expect(lastTouch([touch({})], iso(T0 + 5 * H), narrow)).toBeDefined();
  });
});

describe('creditedExposures (conversion window after assignment)', () => {
  const exposure = (over: Partial<Exposure>): Exposure => ({
    journey: 'cart-recovery',
    executionName: 'e',
    profileId: 'p',
    arm: 'empathy',
    experiment: 'cart-recovery:split',
    at: iso(T0),
    ...over,
  });

  it('credits exposures assigned before the conversion and within the window, in every arm', () => {
    const exposures = [
      exposure({ executionName: 'in', at: iso(T0) }),
      exposure({ executionName: 'holdout', arm: 'holdout', at: iso(T0 + H) }),
      exposure({ executionName: 'too-old', at: iso(T0 - 8 * D) }),
      exposure({ executionName: 'after', at: iso(T0 + 3 * D) }),
    ];
    expect(creditedExposures(exposures, { at: iso(T0 + 2 * D) }, 7).map((e) => e.executionName)).toEqual([
      'in',
      'holdout',
    ]);
  });

  it('reads a whole-second conversion time (a bus event’s) as covering its second', () => {
    const exposures = [
      exposure({ executionName: 'same-second', at: iso(T0 + 27) }),
      exposure({ executionName: 'next-second', at: iso(T0 + 1_000) }),
    ];
    // EventBridge stamps the order 2026-11-01T12:00:00Z; it may have come 900 ms into that second.
    expect(
      creditedExposures(exposures, { at: '2026-11-01T12:00:00Z' }, 7).map((e) => e.executionName),
    ).toEqual(['same-second']);
    // A millisecond time is taken as it is.
    expect(creditedExposures(exposures, { at: iso(T0) }, 7)).toEqual([]);
    expect(lastTouch([touch({ sentAt: T0 + 27 })], '2026-11-01T12:00:00Z', windows)).toMatchObject({
      via: 'send',
    });
  });
});

describe('recordConversion', () => {
  it('credits every covering exposure with margin after the offered discount, and attributes to the last touch only', async () => {
    const exposures: Exposure[] = [
      {
        journey: 'win-back',
        executionName: 'wb',
        profileId: 'p1',
        arm: 'nba',
        experiment: 'win-back:split',
        at: iso(T0 - D),
      },
      // A holdout member of cart recovery: credited as holdout, never a touch.
      {
        journey: 'cart-recovery',
        executionName: 'cr',
        profileId: 'p1',
        arm: 'holdout',
        experiment: 'cart-recovery:split',
        at: iso(T0 - H),
      },
    ];
    const credited: [string, number, number][] = [];
    const attributed: (string | undefined)[] = [];
    const conversion: Conversion = { profileId: 'p1', conversionId: 'o1', at: iso(T0), revenue: 100 };
    const outcome = await recordConversion(
      {
        exposures: { forProfile: async () => exposures },
        ledger: {
          credit: async (e, _c, amounts): Promise<CreditOutcome> => {
            credited.push([e.executionName, amounts.revenue, amounts.margin]);
            return 'first';
          },
        },
        touches: {
          recent: async () => [
            touch({ messageId: 'wb-mail', journey: 'win-back', step: 'sendWinback', sentAt: T0 - 2 * H }),
          ],
        },
        attributions: { record: async (_c, t) => void attributed.push(t?.messageId) },
        incentives: { discountFor: async (e) => (e.journey === 'win-back' ? 0.15 : 0) },
        config: defaultMeasurementConfig,
      },
      conversion,
    );
    // margin = revenue × (marginRate 0.4 − discount)
    expect(credited).toEqual([
      ['wb', 100, 100 * (0.4 - 0.15)],
      ['cr', 100, 40],
    ]);
    expect(attributed).toEqual(['wb-mail']);
    expect(outcome.attributedTo).toEqual({ journey: 'win-back', step: 'sendWinback', channel: 'email' });
  });

  it('attributes nothing when the only exposure is a holdout and no message was sent', async () => {
    const attributed: unknown[] = [];
    const outcome = await recordConversion(
      {
        exposures: {
          forProfile: async () => [
            {
              journey: 'cart-recovery',
              executionName: 'cr',
              profileId: 'p1',
              arm: 'holdout',
              experiment: 'x',
              at: iso(T0 - H),
            },
          ],
        },
        ledger: { credit: async () => 'first' },
        touches: { recent: async () => [] },
        attributions: { record: async (_c, t) => void attributed.push(t) },
        incentives: { discountFor: async () => 0 },
        config: defaultMeasurementConfig,
      },
      { profileId: 'p1', conversionId: 'o1', at: iso(T0), revenue: 10 },
    );
    expect(outcome.credited).toEqual([{ journey: 'cart-recovery', arm: 'holdout', outcome: 'first' }]);
    expect(outcome.attributedTo).toBeUndefined();
    expect(attributed).toEqual([undefined]);
  });
});
