/**
 * Journeys bench: decisions per second of the pure decide function, and per catalogue journey the
 * Step Functions state transitions on its main path with the cost per 1,000 journeys.
 *
 * Main path (see mainPath in shared/domain/journeys/compile.ts): from StartAt, every Choice takes its
 * Default, a keyed wait takes its timeout Catch (the person never answers, so every message goes
 * out), every other state its Next, until a terminal state; a loop is walked once. Each state
 * entered counts as one transition (Standard workflows bill state transitions). Prints; never asserts.
 */
import { performance } from 'node:perf_hooks';
import { DecideConfig, defaultJourneysConfig } from '../../shared/config/journeys.js';
import { PRICES_USD } from '../../shared/config/prices.js';
import { compileJourney, mainPath } from '../../shared/domain/journeys/compile.js';
import {
  type DecideActionRequest,
  DecideRequest,
  decideAction,
} from '../../shared/domain/journeys/decide.js';
import { seededRandom } from '../../shared/domain/random.js';

export async function benchJourneys(): Promise<void> {
  const config = DecideConfig.parse({});
  const request = DecideRequest.parse({
    mode: 'decide',
    profileId: 'p-bench',
    journey: 'cart-recovery',
    entryKey: 'cart-1',
    executionId: 'exec-bench',
    step: 'incentive',
    candidates: [
      {
        id: 'discount',
        kind: 'offer',
        intent: 'cart-incentive',
        channel: 'email',
        discount: 0.1,
        lift: 1.8,
        signals: ['couponSearched'],
      },
      { id: 'reminder', kind: 'content', intent: 'cart-reminder', channel: 'email', lift: 1.2 },
      { id: 'nothing', kind: 'nothing' },
    ],
    trigger: { detail: { value: 90, hesitation: { couponSearched: '2026-03-02T09:00:00Z' } } },
    at: '2026-03-02T10:00:00Z',
  }) as DecideActionRequest;
  const variants = {
    discount: ['a', 'b', 'c'].map((v) => ({ variantId: `discount-${v}`, status: 'approved', text: v })),
    reminder: ['a', 'b'].map((v) => ({ variantId: `reminder-${v}`, status: 'approved', text: v })),
  };
  const stats = {
    'discount-a': { exposures: 400, conversions: 30 },
    'discount-b': { exposures: 380, conversions: 41 },
    'reminder-a': { exposures: 900, conversions: 40 },
  };
  const profile = {
    profileId: 'p-bench',
    traits: {},
    features: { avgOrderValue: 70 },
    scores: { propensity30d: 0.12, clv12m: 240 },
    consent: { email: { marketing: true } },
  };
  const random = seededRandom(1);
  const n = 50_000;
  for (let i = 0; i < 2_000; i++) decideAction({ request, profile, variants, stats, config, random });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) decideAction({ request, profile, variants, stats, config, random });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `journeys: decide (3 candidates, 5 variants): ${Math.round(n / seconds).toLocaleString('en-US')} decisions/s`,
  );

  console.log('journeys: main-path state transitions and Step Functions cost per 1,000 journeys');
  for (const journey of defaultJourneysConfig.journeys) {
    const asl = compileJourney(journey, { sendRetryErrors: defaultJourneysConfig.sendRetryErrors });
    const transitions = mainPath(asl).length;
    const cost = transitions * 1000 * PRICES_USD.stepFunctionsTransition;
    console.log(
      `  ${journey.id.padEnd(20)} states ${String(Object.keys(asl.States).length).padStart(3)}  main path ${String(transitions).padStart(3)} transitions  $${cost.toFixed(3)} / 1,000 journeys`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchJourneys();
