import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import {
  type AslDefinition,
  type AslState,
  compileJourney,
  EXITED_STATE,
  mainPath,
} from '../../../shared/domain/journeys/compile.js';
import { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import { resumeRule, triggerRules } from '../../../shared/domain/journeys/triggers.js';
import { smallJourney } from './support.js';

const options = { sendRetryErrors: ['SendRetryableError'] };
const journeys = defaultJourneysConfig.journeys;
const byId = (id: string) => journeys.find((j) => j.id === id)!;
// asl-validator adds QueryLanguage to states it sees: validate a copy.
const validate = (asl: AslDefinition) => aslValidator(structuredClone(asl));
const state = (asl: AslDefinition, name: string): AslState => {
  const s = asl.States[name];
  if (!s) throw new Error(`no state ${name}`);
  return s;
};

describe('compileJourney', () => {
  it.each(journeys.map((j) => [j.id, j] as const))(
    'compiles %s to ASL that asl-validator accepts',
    (_id, journey) => {
      const result = validate(compileJourney(journey, options));
      expect(result.errorsText(' | ')).toBe('');
      expect(result.isValid).toBe(true);
    },
  );

  it('produces ASL that asl-validator rejects when a transition is broken (the check can fail)', () => {
    const asl = compileJourney(byId('cart-recovery'), options);
    (asl.States['lastCall.Send'] as Record<string, unknown>).Next = 'NoSuchState';
    expect(validate(asl).isValid).toBe(false);
  });

  it('uses JSONPath only, lambda:invoke tasks and the three substitution placeholders', () => {
    const json = JSON.stringify(compileJourney(byId('cart-recovery'), options));
    expect(json).not.toMatch(/JSONata|QueryLanguage/);
    expect(json).toContain('"Resource":"arn:aws:states:::lambda:invoke"');
    for (const p of ['${DecideFunctionArn}', '${SendFunctionArn}', '${JourneyStepFunctionArn}'])
      expect(json).toContain(p);
  });

  it('compiles the same definition to the same document', () => {
    expect(compileJourney(byId('win-back'), options)).toEqual(compileJourney(byId('win-back'), options));
  });

  describe('cart recovery', () => {
    const asl = compileJourney(byId('cart-recovery'), options);

    it('waits for the order keyed by cartId with a task token, a timeout and a timeout path', () => {
      const wait = state(asl, 'waitForOrder.WaitForEvent');
      expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
      const payload = (wait.Parameters as { Payload: Record<string, unknown> }).Payload;
      expect(payload).toMatchObject({
        action: 'registerWait',
        'token.$': '$$.Task.Token',
        event: 'OrderCompleted',
        keyProperty: 'cartId',
        'entryKey.$': '$.entryKey',
      });
      expect(wait.TimeoutSeconds).toBe(3600);
      expect(wait.HeartbeatSeconds).toBeLessThan(3600);
      const catcher = (wait.Catch as { ErrorEquals: string[]; Next: string }[])[0]!;
      expect(catcher.ErrorEquals).toContain('States.Timeout');
      // The timeout path checks the exit conditions, then continues to the split.
      expect(catcher.Next).toBe('waitForOrder.TimedOut.CheckExit');
      expect(state(asl, 'waitForOrder.TimedOut.ExitMatched').Default).toBe('split.Split');
    });

    it('checks the global exit conditions before every send', () => {
      const sends = Object.keys(asl.States).filter((n) => n.endsWith('.Send'));
      expect(sends.length).toBeGreaterThan(3);
      for (const send of sends) {
        const step = send.slice(0, -'.Send'.length);
        const check = state(asl, `${step}.CheckExit`);
        const payload = (check.Parameters as { Payload: Record<string, unknown> }).Payload;
        expect(payload.conditions).toEqual([
          { event: 'OrderCompleted', keyProperty: 'cartId', conversion: true },
        ]);
        const matched = state(asl, `${step}.ExitMatched`);
        expect(matched.Choices).toEqual([
          { Variable: '$.exitCheck.exit', BooleanEquals: true, Next: EXITED_STATE },
        ]);
        // Default leads (through the variant choice when there is one) to the send.
        const next = String(matched.Default);
        expect([`${step}.Send`, `${step}.ChooseVariant`]).toContain(next);
      }
      // Nothing reaches a send or its variant choice except through that step's exit check.
      const targetsOf = (s: AslState): string[] => [
        ...(typeof s.Next === 'string' ? [s.Next] : []),
        ...(typeof s.Default === 'string' ? [s.Default] : []),
        ...((s.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
        ...((s.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
      ];
      for (const send of sends) {
        const step = send.slice(0, -'.Send'.length);
        const into = Object.entries(asl.States)
          .filter(([, s]) => targetsOf(s).some((t) => t === send || t === `${step}.ChooseVariant`))
          .map(([name]) => name);
        expect(
          into.every((n) => n === `${step}.ExitMatched` || n === `${step}.HasVariant`),
          send,
        ).toBe(true);
      }
      expect(state(asl, 'split.Split').Choices).toContainEqual({
        Variable: '$.assignment.arm',
        StringEquals: 'reminder',
        Next: 'reminder.CheckExit',
      });
    });

    it('has a holdout path that sends nothing', () => {
      expect(state(asl, 'split.Split').Choices).toContainEqual({
        Variable: '$.assignment.arm',
        StringEquals: 'holdout',
        Next: 'split.Holdout',
      });
      expect(state(asl, 'split.Holdout').Type).toBe('Succeed');
    });

    it('retries the send on the retryable error names and transient Lambda errors', () => {
      const retry = state(asl, 'reminder.Send').Retry as { ErrorEquals: string[] }[];
      const names = retry.flatMap((r) => r.ErrorEquals);
      expect(names).toEqual(
        expect.arrayContaining([
          'SendRetryableError',
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
        ]),
      );
    });

    it('waits until retryAt and retries once when a send is skipped for quiet hours', () => {
      const outcome = state(asl, 'reminder.Outcome');
      expect(JSON.stringify(outcome.Choices)).toContain('"StringEquals":"Skipped"');
      expect(JSON.stringify(outcome.Choices)).toContain(
        '"Variable":"$.lastSend.result.retryAt","IsPresent":true',
      );
      expect(state(asl, 'reminder.WaitQuietHours')).toMatchObject({
        Type: 'Wait',
        TimestampPath: '$.lastSend.result.retryAt',
        Next: 'reminder.Resend',
      });
      expect(state(asl, 'reminder.Resend').Next).toBe('waitSecondChance.WaitForEvent');
    });

    it('routes hesitation signals through a branch to reassurance, fit help and the incentive decision', () => {
      const route = state(asl, 'hesitation.Route');
      const targets = (route.Choices as { Next: string }[]).map((c) => c.Next);
      expect(targets).toEqual(['reassureShipping.CheckExit', 'fitHelp.CheckExit', 'incentive.Decide']);
      expect(route.Default).toBe('reminder.CheckExit');
    });

    it('sends the decided variant on the decided channel', () => {
      const payload = (state(asl, 'sendIncentive.Send').Parameters as { Payload: Record<string, unknown> })
        .Payload;
      expect(payload).toMatchObject({
        'channel.$': '$.decisions.incentive.channel',
        'content.$': '$.decisions.incentive.content',
        'variant.$': '$.decisions.incentive.variant',
        'executionId.$': '$$.Execution.Id',
        step: 'sendIncentive',
      });
    });

    it('hands the send the assignment (fairness cohort) and the decided action and discount', () => {
      expect(state(asl, 'incentive.Decide').ResultSelector).toMatchObject({
        'action.$': '$.Payload.action',
        'discount.$': '$.Payload.discount',
      });
      expect(state(asl, 'reminder.ChooseVariant').ResultSelector).toMatchObject({
        'discount.$': '$.Payload.discount',
      });
      const payloadOf = (name: string) =>
        (state(asl, name).Parameters as { Payload: Record<string, unknown> }).Payload;
      expect(payloadOf('sendIncentive.Send')).toMatchObject({
        // The step whose bandit counts the sent variant as an exposure.
        decision: 'incentive',
        'assignment.$': '$.assignment',
        'action.$': '$.decisions.incentive.action',
        'discount.$': '$.decisions.incentive.discount',
      });
      for (const name of ['reminder.Send', 'reminder.Resend']) {
        expect(payloadOf(name)).toMatchObject({
          decision: 'reminder',
          'assignment.$': '$.assignment',
          'action.$': '$.decisions.reminder.action',
          'discount.$': '$.decisions.reminder.discount',
        });
      }
    });
  });

  it('skips exit checks in a journey without exit conditions', () => {
    const asl = compileJourney(byId('loyalty-referral'), options);
    expect(Object.keys(asl.States).some((n) => n.endsWith('.CheckExit'))).toBe(false);
    expect(validate(asl).isValid).toBe(true);
  });

  it('walks the main path through timeouts and defaults to a terminal state', () => {
    const path = mainPath(compileJourney(byId('cart-recovery'), options));
    const names = path.map((p) => p.state);
    expect(names[0]).toBe('waitForOrder.WaitForEvent');
    expect(names).toContain('split.Split');
    expect(names).toContain('lastCall.Send');
    expect(path[path.length - 1]).toEqual({ state: 'done.Exit', type: 'Succeed' });
  });

  it('compiles a wait until the best send time into a computed timestamp wait', () => {
    const j = JourneyDefinition.parse(
      smallJourney({
        steps: [
          { id: 'wait', type: 'wait', until: 'bestSendTime', next: 'remind' },
          ...smallJourney().steps!.slice(1),
        ],
      }),
    );
    const asl = compileJourney(j, options);
    expect(asl.StartAt).toBe('wait.ComputeWaitUntil');
    expect(state(asl, 'wait.Wait')).toMatchObject({
      TimestampPath: '$.waitUntil.until',
      Next: 'wait.CheckExit',
    });
  });
});

describe('trigger rules', () => {
  it('lists one EventBridge rule per enabled journey', () => {
    const rules = triggerRules(journeys);
    expect(rules.map((r) => r.journey)).toEqual(journeys.map((j) => j.id));
    expect(rules.find((r) => r.journey === 'cart-recovery')?.eventPattern).toEqual({
      source: ['feltfit.profiles'],
      'detail-type': ['CheckoutStarted'],
      detail: { profileId: [{ exists: true }], cartId: [{ exists: true }] },
    });
    expect(rules.find((r) => r.journey === 'win-back')?.eventPattern).toMatchObject({
      'detail-type': ['ScoresChanged'],
      detail: { changes: { score: ['churnRisk'], to: ['high'] } },
    });
  });

  it('subscribes resume-journeys to every awaited and exit event', () => {
    expect(resumeRule(journeys)['detail-type']).toEqual(
      expect.arrayContaining(['OrderCompleted', 'CsatSubmitted', 'CheckoutStarted', 'TicketReopened']),
    );
  });
});
