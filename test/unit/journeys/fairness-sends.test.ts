/**
 * The fairness counters' path through a compiled journey: decide's output (with its discount) is kept
 * by the decide state's ResultSelector, the send state hands the send function the execution's
 * assignment, the decided action and discount and its deciding step, and only a Sent outcome is
 * counted, for the cohort and as the content bandit's exposure.
 * Runs the compiled ASL on the local Step Functions (aws-local-stepfunctions, which fails a state on a
 * JSONPath that matches nothing, as AWS does) with the real decide and send handlers on memory fakes.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDecideHandler } from '../../../functions/decide/app.js';
import { createSendHandler } from '../../../functions/send/app.js';
import type { LocalFunction } from '../../../infra/local/lambda.js';
import { LocalStepFunctions } from '../../../infra/local/step-functions.js';
import { Resolver } from '../../../infra/local/template.js';
import { DecideConfig } from '../../../shared/config/journeys.js';
import { compileJourney } from '../../../shared/domain/journeys/compile.js';
import { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import { executionInput } from '../../../shared/domain/journeys/start.js';
import { seededRandom } from '../../../shared/domain/random.js';
import type { CohortSendCounter } from '../../../shared/ports/channels.js';
import { silentLogger } from '../../support/logger.js';
import { memorySendDeps, recipient } from '../channels/support.js';
import { MemoryBandit, MemoryDecisions, profile, variant } from './support.js';

const ctx = {} as Context;

/** Decide offers a 10 % perk, whose send goes out; the reminder after it hits the daily email cap. */
const journey = JourneyDefinition.parse({
  id: 'perk-journey',
  name: 'Perk',
  trigger: { kind: 'event', detailType: 'CheckoutStarted' },
  entryKey: 'cartId',
  start: 'perk',
  steps: [
    {
      id: 'perk',
      type: 'decide',
      candidates: [
        { id: 'perk-offer', kind: 'offer', intent: 'perk', channel: 'email', discount: 0.1, lift: 5 },
        { id: 'nothing', kind: 'nothing' },
      ],
      next: 'sendPerk',
      onNothing: 'remind',
    },
    { id: 'sendPerk', type: 'send', content: { fromDecision: 'perk' }, next: 'remind' },
    { id: 'remind', type: 'send', channel: 'email', content: { intent: 'cart-reminder' }, next: 'done' },
    { id: 'done', type: 'exit', reason: 'completed' },
  ],
  exitOn: [],
});

function setup(options: { dropDiscount?: boolean } = {}) {
  const sending = memorySendDeps({ people: [recipient({ profileId: 'p-1' })] });
  const counted: Parameters<CohortSendCounter['countSend']>[] = [];
  const bandit = new MemoryBandit();
  const send = createSendHandler({
    ...sending.deps,
    cohorts: { countSend: async (...args) => void counted.push(args) },
    bandit,
  });
  const decide = createDecideHandler(
    {
      profiles: { get: async () => profile() },
      variants: { approvedVariants: async (q) => [variant(`${q.intent}-v1`)] },
      bandit: new MemoryBandit(),
      decisions: new MemoryDecisions(),
      random: seededRandom(3),
      config: DecideConfig.parse({}),
    },
    silentLogger,
  );
  const fn = (logicalId: string, invoke: (e: unknown) => Promise<unknown>) =>
    ({ logicalId, invoke }) as unknown as LocalFunction;
  const functions = new Map(
    [
      fn('Decide', async (e) => {
        const out = (await decide(e, ctx)) as unknown as Record<string, unknown>;
        if (!options.dropDiscount) return out;
        const { discount: _dropped, ...rest } = out;
        return rest;
      }),
      fn('Send', (e) => send(e, ctx)),
      fn('Step', async () => {
        throw new Error('no journey-step task expected');
      }),
    ].map((f) => [f.logicalId, f]),
  );
  const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  const resolver = new Resolver({
    Resources: {
      Journey: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: journey.id,
          DefinitionString: JSON.stringify(compileJourney(journey, { sendRetryErrors: [] })),
          DefinitionSubstitutions: {
            DecideFunctionArn: arn('Decide'),
            SendFunctionArn: arn('Send'),
            JourneyStepFunctionArn: arn('Step'),
          },
        },
      },
    },
  });
  const sfn = new LocalStepFunctions(resolver, () => functions, 0.00001);
  sfn.load();
  const start = async (name: string, assignment: Record<string, unknown>) => {
    // The execution input start-journey builds.
    const input = executionInput({
      profileId: 'p-1',
      journey: journey.id,
      entryKey: `cart-${name}`,
      startedAt: new Date().toISOString(),
      trigger: {
        id: `evt-${name}`,
        'detail-type': 'CheckoutStarted',
        source: 'feltfit.profiles',
        time: new Date().toISOString(),
        detail: { value: 100 },
      },
      assignment,
    });
    const execution = sfn.startExecution(sfn.stateMachineArns[0]!, JSON.stringify(input), name);
    await execution.done;
    return execution;
  };
  return { start, counted, sending, bandit };
}

describe('fairness sends through a compiled journey', () => {
  it('counts the sent offer with its discount for the cohort, and not the reminder the cap skipped', async () => {
    const { start, counted, sending, bandit } = setup();
    const cohort = { ageBand: '65+' };
    const execution = await start('with-cohort', {
      arm: 'standard',
      reason: 'split',
      experiment: null,
      cohort,
    });
    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!);
    expect(output.decisions.perk).toMatchObject({ action: 'offer', discount: 0.1 });
    expect(output.decisions.remind).toMatchObject({ action: 'content', discount: 0 });
    expect(output.lastSend.result).toMatchObject({ outcome: 'Skipped', reason: 'frequency_cap' });
    expect(execution.states).toEqual([
      'perk.Decide',
      'sendPerk.Send',
      'remind.ChooseVariant',
      'remind.Send',
      'remind.Resend',
    ]);
    expect(sending.providers.emails).toHaveLength(1);
    expect(counted).toEqual([[journey.id, cohort, { offer: true, discount: 0.1 }]]);
    // The content bandit counted the sent offer's variant for its deciding step; the capped reminder
    // (chosen by its own step) was not seen and counts nothing.
    expect(await bandit.get(journey.id, 'perk')).toEqual({ 'perk-v1': { exposures: 1, conversions: 0 } });
    expect(await bandit.get(journey.id, 'remind')).toEqual({});
  });

  it('counts nothing for an execution whose assignment carries no cohort', async () => {
    const { start, counted, sending } = setup();
    const execution = await start('no-cohort', { arm: 'standard', reason: 'split', experiment: null });
    expect(execution.status).toBe('SUCCEEDED');
    expect(sending.providers.emails).toHaveLength(1);
    expect(counted).toEqual([]);
  });

  it('fails the decide state when its output lacks the discount (every decide output must carry one)', async () => {
    const { start, counted } = setup({ dropDiscount: true });
    const execution = await start('no-discount', { arm: 'standard', reason: 'split', experiment: null });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(execution.cause).toContain('$.Payload.discount');
    expect(execution.states).toEqual(['perk.Decide']);
    expect(counted).toEqual([]);
  });
});
