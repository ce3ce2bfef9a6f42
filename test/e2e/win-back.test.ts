import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../shared/adapters/dynamodb/client.js';
import { DynamoDbModelRegistry } from '../../shared/adapters/dynamodb/model-registry.js';
import { defaultModelsConfig } from '../../shared/config/models.js';
import { fitClvFromTransactions } from '../../shared/domain/models/clv.js';
import { newVersionId, registerVersion } from '../../shared/domain/models/registry.js';
import { parseIsoDay, parseTransactionsCsv } from '../../shared/domain/models/transactions.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';
import {
  type ApprovedEmail,
  approveEmail,
  channelsConfigWithWideEmailCaps,
  eventually,
  finished,
  outboxFor,
  outputOf,
  personIn,
  profileOf,
  sentBy,
  startedExecution,
  waitForMessages,
} from './support/journeys.js';

// Journey time at 1/50,000 of real time: the one-week follow-up wait lasts about 12 s.
const TIME_SCALE = 1 / 50_000;
const DAY = 86_400_000;
// The CDNOW sample, kept in the repository with its citation (test/fixtures/cdnow/README.md).
const CDNOW = join(
  fileURLToPath(new URL('../fixtures/cdnow/', import.meta.url)),
  'cdnow_sample_transactions.csv',
);
const WINBACK = 'New colours since your last visit';
const FOLLOW_UP = 'Still here whenever you want to knit';
let rt: TestRuntime;
let winback: ApprovedEmail;
let followUp: ApprovedEmail;

/**
 * What an operator's trainer run does: fit BG/NBD + Gamma-Gamma on the CDNOW sample (calibration to
 * 1997-09-30, holdout to 1998-06-30), register the version with its model card and promote it when
 * the default gates pass. The scorer then bands churn risk with it.
 */
async function trainAndPromoteClv(): Promise<string> {
  const transactions = parseTransactionsCsv(await readFile(CDNOW, 'utf8'));
  const fit = fitClvFromTransactions(transactions, parseIsoDay('1997-09-30')!, parseIsoDay('1998-06-30')!);
  // The published fit of this sample (Fader, Hardie & Lee 2005, "Counting your customers the easy
  // way", 2,357 customers, 39-week calibration): r 0.243, alpha 4.414, a 0.793, b 2.426.
  expect(fit.customers).toBe(2357);
  expect(fit.bgnbd.r).toBeCloseTo(0.243, 2);
  expect(fit.bgnbd.alpha).toBeCloseTo(4.414, 1);
  expect(fit.bgnbd.a).toBeCloseTo(0.793, 2);
  expect(fit.bgnbd.b).toBeCloseTo(2.426, 1);
  const holdout = fit.holdout!;
  const config = defaultModelsConfig;
  const now = new Date();
  const version = newVersionId(now, () => randomBytes(2).toString('hex'));
  const registry = new DynamoDbModelRegistry({
    client: documentClient(
      new DynamoDBClient({
        endpoint: rt.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    ),
    tableName: rt.tables.MODELS_TABLE!,
  });
  const outcome = await registerVersion(
    { registry, now: () => now },
    {
      card: {
        model: 'clv',
        version,
        objective: 'Churn risk (1 − P(alive)) and 12-month CLV, fitted on the CDNOW sample.',
        inputs: ['repeat_purchase_days', 'recency_weeks', 'age_weeks', 'mean_repeat_spend'],
        trainingWindow: {
          from: '1997-01-01',
          to: '1997-09-30',
          holdoutFrom: '1997-10-01',
          holdoutTo: '1998-06-30',
        },
        owner: config.owner,
        metrics: {
          customers: fit.customers,
          holdoutActualPurchases: holdout.actualRepeatTransactions,
          holdoutPredictedPurchases: holdout.predictedRepeatTransactions,
          holdoutRelativeError:
            Math.abs(holdout.predictedRepeatTransactions - holdout.actualRepeatTransactions) /
            holdout.actualRepeatTransactions,
        },
        fairness: null,
        knownRisks: ['Fitted on 1997–98 purchases of one retailer.'],
        createdAt: now.toISOString(),
      },
      parameters: {
        kind: 'clv',
        bgnbd: { r: fit.bgnbd.r, alpha: fit.bgnbd.alpha, a: fit.bgnbd.a, b: fit.bgnbd.b },
        gammaGamma: { p: fit.gammaGamma.p, q: fit.gammaGamma.q, gamma: fit.gammaGamma.gamma },
        horizonMonths: config.clv.horizonMonths,
        monthlyDiscountRate: config.clv.monthlyDiscountRate,
      },
    },
    config.clv.gates,
  );
  expect(outcome.status).toBe('promoted');
  return version;
}

/**
 * A consented customer who bought twice, a week apart, about ten months ago and never again. One
 * order alone is no repeat behaviour (P(alive) = 1 in BG/NBD, churn risk low); the second makes the
 * silence since telling, and the scorer, run on the ProfileUpdated of that order (as in production),
 * bands churn risk high: ScoresChanged starts win-back after both orders are in.
 */
async function lapsedCustomer(userId: string) {
  const email = `${userId}@example.com`;
  const post = async (path: string, body: object) =>
    expect((await rt.post(path, { userId, ...body })).status).toBe(200);
  await post('/v1/identify', {
    traits: { email, firstName: 'Ines' },
    context: { consent: { categoryPreferences: { email: true } } },
  });
  const now = Date.now();
  for (const [i, daysAgo] of [300, 293].entries()) {
    await post('/v1/track', {
      event: 'Order Completed',
      properties: { order_id: `${userId}-o${i + 1}`, revenue: 120 },
      timestamp: new Date(now - daysAgo * DAY).toISOString(),
    });
    await rt.settle();
  }
  // The scorer banded churn risk high and said so on the bus (the win-back trigger).
  const profileId = profileOf(userId);
  await eventually('ScoresChanged with churn risk high', () =>
    rt.bus.history.find((e) => {
      const detail = e.detail as { profileId?: string; changes?: { score: string; to: string }[] };
      return (
        e['detail-type'] === 'ScoresChanged' &&
        detail.profileId === profileId &&
        (detail.changes ?? []).some((c) => c.score === 'churnRisk' && c.to === 'high')
      );
    }),
  );
  return email;
}

beforeAll(async () => {
  rt = await startTestRuntime({
    timeScale: TIME_SCALE,
    // The win-back email and its follow-up go out seconds apart in real time; the default cap of one
    // marketing email a day would cap the follow-up.
    redeploy: { CHANNELS_CONFIG: channelsConfigWithWideEmailCaps() },
  });
  // Before any profile is scored (the scorer keeps the promoted models for five minutes) and before any
  // journey runs (decide keeps the approved list for a minute).
  await trainAndPromoteClv();
  [winback, followUp] = await Promise.all([
    approveEmail(rt, { journeyStep: 'win-back/chooseAction', intent: 'win_back' }, WINBACK),
    approveEmail(rt, { journeyStep: 'win-back/followUp', intent: 'win_back' }, FOLLOW_UP),
  ]);
});
afterAll(async () => {
  await rt?.stop();
});

describe('win-back through the local runtime', () => {
  it('starts on churn risk high, sends the decided email at the best time, then the follow-up', async () => {
    const userId = personIn({ 'win-back': 'nba' }, 'wb-main');
    const email = await lapsedCustomer(userId);
    const execution = await finished(await startedExecution(rt, 'win-back', profileOf(userId)), 90);

    expect({ status: execution.status, error: execution.error }).toEqual({
      status: 'SUCCEEDED',
      error: undefined,
    });
    const output = outputOf(execution);
    expect(output.trigger.detailType).toBe('ScoresChanged');
    expect(output.trigger.detail.changes).toContainEqual(
      expect.objectContaining({ score: 'churnRisk', to: 'high' }),
    );
    expect(output.trigger.detail.scores.churnRisk).toBeGreaterThanOrEqual(0.7);
    // With no propensity model, P = the default 0.05 for every action: "we miss you" (lift 1.3 on the
    // full 40 % margin, EV ∝ 0.52) beats the 15 % offer (1.8 × 25 % ∝ 0.45) and doing nothing (0.40).
    expect(output.decisions.chooseAction).toMatchObject({
      action: 'content',
      candidate: 'we-miss-you',
      variant: winback.id,
    });
    expect(execution.states).toEqual([
      'chooseAction.Decide',
      'atBestTime.ComputeWaitUntil',
      'atBestTime.CheckExit',
      'sendWinback.CheckExit',
      'sendWinback.Send',
      'waitWeek.CheckExit',
      'followUp.CheckExit',
      'followUp.ChooseVariant',
      'followUp.Send',
    ]);
    expect(await sentBy(rt, execution, email)).toEqual([
      { step: 'sendWinback', variantId: winback.id, subject: WINBACK },
      { step: 'followUp', variantId: followUp.id, subject: FOLLOW_UP },
    ]);
    expect(await outboxFor(rt, email)).toHaveLength(2);
  });

  it('sends no follow-up when the customer orders during the week after the win-back email', async () => {
    const userId = personIn({ 'win-back': 'nba' }, 'wb-buyer');
    const email = await lapsedCustomer(userId);
    const execution = await startedExecution(rt, 'win-back', profileOf(userId));
    await waitForMessages(rt, email, 1);
    // The win-back email is out and the journey is in its one-week wait.
    await eventually('the week wait', () =>
      execution.states.at(-1) === 'sendWinback.Send' ? true : undefined,
    );
    expect(execution.status).toBe('RUNNING');
    expect(
      (
        await rt.post('/v1/track', {
          userId,
          event: 'Order Completed',
          properties: { order_id: `${userId}-back`, revenue: 60 },
        })
      ).status,
    ).toBe(200);
    await rt.settle();
    await finished(execution);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution).exitCheck).toMatchObject({ exit: true, reason: 'exit_on_OrderCompleted' });
    expect(execution.states.at(-1)).toBe('waitWeek.CheckExit');
    expect(execution.states.some((s) => s.startsWith('followUp.'))).toBe(false);
    expect(await sentBy(rt, execution, email)).toEqual([
      { step: 'sendWinback', variantId: winback.id, subject: WINBACK },
    ]);
    expect(await outboxFor(rt, email)).toHaveLength(1);
  });
});
