/**
 * Compiles a journey definition into Amazon States Language (JSONPath) for a Step Functions Standard
 * state machine. Pure: no AWS calls; Lambda ARNs are CDK `definitionSubstitutions` placeholders
 * (`${DecideFunctionArn}`, `${SendFunctionArn}`, `${JourneyStepFunctionArn}`) that the stack binds.
 *
 * Execution state (the input start-journey builds, kept whole by every ResultPath):
 *   { profileId, journey, entryKey, startedAt, trigger: { eventId, detailType, detail },
 *     assignment: { arm, reason, experiment, cohort? }, decisions: {}, events: {}, branches: {},
 *     lastSend: null, exitCheck: null, waitUntil: null }
 *
 * State names are `<stepId>.<Role>` (e.g. `remind.CheckExit`, `remind.Send`), so the console reads
 * like the definition and a recompile of an unchanged definition yields the same document.
 */
import {
  type Condition,
  durationSeconds,
  type ExitCondition,
  type JourneyDefinition,
  type Step,
} from './definition.js';

export const DECIDE_FUNCTION = '${DecideFunctionArn}';
export const SEND_FUNCTION = '${SendFunctionArn}';
export const JOURNEY_STEP_FUNCTION = '${JourneyStepFunctionArn}';

/** The `definitionSubstitutions` keys a compiled definition uses. */
export const SUBSTITUTION_KEYS = ['DecideFunctionArn', 'SendFunctionArn', 'JourneyStepFunctionArn'] as const;

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Succeed state reached when a global exit condition fires. */
export const EXITED_STATE = 'ExitedOnCondition';

/** Transient Lambda service errors, retried on every task. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

export interface CompileOptions {
  /** Error names the send function throws for retryable failures (Retry on the send task). */
  readonly sendRetryErrors: readonly string[];
}

export type AslState = Record<string, unknown> & { readonly Type: string };
export interface AslDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

const lambdaRetry = {
  ErrorEquals: [...LAMBDA_TRANSIENT_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

const common = {
  'profileId.$': '$.profileId',
  'journey.$': '$.journey',
  'entryKey.$': '$.entryKey',
  'executionId.$': '$$.Execution.Id',
};

const decisionSelector = {
  'decisionId.$': '$.Payload.decisionId',
  'action.$': '$.Payload.action',
  'candidate.$': '$.Payload.candidate',
  'channel.$': '$.Payload.channel',
  'purpose.$': '$.Payload.purpose',
  'variant.$': '$.Payload.variant',
  'content.$': '$.Payload.content',
  'discount.$': '$.Payload.discount',
};

function lambdaTask(
  functionName: string,
  payload: Record<string, unknown>,
  rest: {
    ResultSelector?: Record<string, unknown>;
    ResultPath: string | null;
    Next: string;
    Retry?: unknown[];
  },
): AslState {
  return {
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: functionName, Payload: payload },
    ...(rest.ResultSelector ? { ResultSelector: rest.ResultSelector } : {}),
    ResultPath: rest.ResultPath,
    Retry: rest.Retry ?? [lambdaRetry],
    Next: rest.Next,
  };
}

/** Name of the state a step starts with. */
export function entryState(journey: JourneyDefinition, step: Step): string {
  switch (step.type) {
    case 'wait':
      return step.until ? `${step.id}.ComputeWaitUntil` : `${step.id}.Wait`;
    case 'waitForEvent':
      return `${step.id}.WaitForEvent`;
    case 'branch':
      return `${step.id}.Evaluate`;
    case 'split':
      return `${step.id}.Split`;
    case 'decide':
      return `${step.id}.Decide`;
    case 'send':
      if (journey.exitOn.length) return `${step.id}.CheckExit`;
      return 'fromDecision' in step.content ? `${step.id}.Send` : `${step.id}.ChooseVariant`;
    case 'updateProfile':
      return `${step.id}.UpdateProfile`;
    case 'exit':
      return `${step.id}.Exit`;
  }
}

/** Compiles a valid definition (see parseJourney) to ASL. */
export function compileJourney(journey: JourneyDefinition, options: CompileOptions): AslDefinition {
  const byId = new Map(journey.steps.map((s) => [s.id, s]));
  const entry = (id: string): string => {
    const step = byId.get(id);
    if (!step) throw new RangeError(`journey '${journey.id}' has no step '${id}'`);
    return entryState(journey, step);
  };
  const states: Record<string, AslState> = {};
  let usesExit = false;

  /** `<prefix>.CheckExit` → `<prefix>.ExitMatched` → next; returns the first state's name. */
  const checkExit = (prefix: string, stepId: string, next: string): string => {
    if (journey.exitOn.length === 0) return next;
    usesExit = true;
    const conditions: ExitCondition[] = journey.exitOn;
    states[`${prefix}.CheckExit`] = lambdaTask(
      JOURNEY_STEP_FUNCTION,
      {
        action: 'checkExit',
        ...common,
        step: stepId,
        'since.$': '$.startedAt',
        'triggerEventId.$': '$.trigger.eventId',
        conditions,
        'lastSend.$': '$.lastSend',
        'decisions.$': '$.decisions',
      },
      {
        ResultSelector: { 'exit.$': '$.Payload.exit', 'reason.$': '$.Payload.reason' },
        ResultPath: '$.exitCheck',
        Next: `${prefix}.ExitMatched`,
      },
    );
    states[`${prefix}.ExitMatched`] = {
      Type: 'Choice',
      Choices: [{ Variable: '$.exitCheck.exit', BooleanEquals: true, Next: EXITED_STATE }],
      Default: next,
    };
    return `${prefix}.CheckExit`;
  };

  for (const step of journey.steps) {
    const id = step.id;
    switch (step.type) {
      case 'wait': {
        const after = checkExit(id, id, entry(step.next));
        if (step.until) {
          states[`${id}.ComputeWaitUntil`] = lambdaTask(
            JOURNEY_STEP_FUNCTION,
            {
              action: 'waitUntil',
              ...common,
              step: id,
              mode: step.until,
              ...(step.window ? { window: step.window } : {}),
              ...(step.leadDays !== undefined ? { leadDays: step.leadDays } : {}),
              'at.$': '$$.State.EnteredTime',
            },
            {
              ResultSelector: { 'until.$': '$.Payload.until' },
              ResultPath: '$.waitUntil',
              Next: `${id}.Wait`,
            },
          );
          states[`${id}.Wait`] = { Type: 'Wait', TimestampPath: '$.waitUntil.until', Next: after };
        } else {
          states[`${id}.Wait`] = { Type: 'Wait', Seconds: durationSeconds(step.duration ?? {}), Next: after };
        }
        break;
      }
      case 'waitForEvent': {
        const timeout = durationSeconds(step.timeout);
        const onEvent = checkExit(`${id}.Received`, id, entry(step.next));
        const onTimeout = checkExit(`${id}.TimedOut`, id, entry(step.onTimeout));
        states[`${id}.WaitForEvent`] = {
          Type: 'Task',
          Resource: LAMBDA_INVOKE_WAIT,
          Parameters: {
            FunctionName: JOURNEY_STEP_FUNCTION,
            Payload: {
              action: 'registerWait',
              'token.$': '$$.Task.Token',
              ...common,
              step: id,
              event: step.event,
              ...(step.keyProperty ? { keyProperty: step.keyProperty } : {}),
              'since.$': '$.startedAt',
              timeoutSeconds: timeout,
              'at.$': '$$.State.EnteredTime',
            },
          },
          // Nobody heartbeats a customer wait: the heartbeat bound sits just under the timeout, so
          // either bound ends the wait through the same Catch.
          TimeoutSeconds: timeout,
          HeartbeatSeconds: Math.max(1, timeout - 1),
          ResultPath: `$.events.${id}`,
          Retry: [lambdaRetry],
          Catch: [
            {
              ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'],
              ResultPath: '$.waitTimeout',
              Next: onTimeout,
            },
          ],
          Next: onEvent,
        };
        break;
      }
      case 'branch': {
        const targets = [...new Set(step.rules.map((r) => r.next))].filter((t) => t !== step.default);
        const rules: { all: Condition[]; next: string }[] = step.rules.map((r) => ({
          all: r.all,
          next: r.next,
        }));
        states[`${id}.Evaluate`] = lambdaTask(
          JOURNEY_STEP_FUNCTION,
          {
            action: 'evaluateBranch',
            ...common,
            step: id,
            rules,
            default: step.default,
            'trigger.$': '$.trigger',
            'events.$': '$.events',
          },
          {
            ResultSelector: { 'next.$': '$.Payload.next', 'matched.$': '$.Payload.matched' },
            ResultPath: `$.branches.${id}`,
            Next: targets.length ? `${id}.Route` : entry(step.default),
          },
        );
        if (targets.length) {
          states[`${id}.Route`] = {
            Type: 'Choice',
            Choices: targets.map((t) => ({
              Variable: `$.branches.${id}.next`,
              StringEquals: t,
              Next: entry(t),
            })),
            Default: entry(step.default),
          };
        }
        break;
      }
      case 'split': {
        const choices: Record<string, unknown>[] = [];
        if (step.holdoutShare > 0) {
          choices.push({ Variable: '$.assignment.arm', StringEquals: 'holdout', Next: `${id}.Holdout` });
          states[`${id}.Holdout`] = {
            Type: 'Succeed',
            Comment: 'Journey holdout: recorded at entry, sends nothing (the baseline for lift).',
          };
        }
        for (const v of step.variants) {
          choices.push({ Variable: '$.assignment.arm', StringEquals: v.id, Next: entry(v.next) });
        }
        states[`${id}.Split`] = { Type: 'Choice', Choices: choices, Default: entry(step.variants[0]!.next) };
        break;
      }
      case 'decide': {
        states[`${id}.Decide`] = lambdaTask(
          DECIDE_FUNCTION,
          {
            mode: 'decide',
            ...common,
            step: id,
            candidates: step.candidates,
            valueBasis: step.valueBasis,
            'trigger.$': '$.trigger',
            'events.$': '$.events',
            'assignment.$': '$.assignment',
            'at.$': '$$.State.EnteredTime',
          },
          { ResultSelector: decisionSelector, ResultPath: `$.decisions.${id}`, Next: `${id}.Route` },
        );
        states[`${id}.Route`] = {
          Type: 'Choice',
          Choices: [
            { Variable: `$.decisions.${id}.action`, StringEquals: 'nothing', Next: entry(step.onNothing) },
          ],
          Default: entry(step.next),
        };
        break;
      }
      case 'send': {
        const next = entry(step.next);
        // A send by intent or by the campaign's message chooses its variant here; one from a
        // decision sends what the decision chose.
        const byIntent = !('fromDecision' in step.content);
        const decision = 'fromDecision' in step.content ? step.content.fromDecision : id;
        const first = byIntent ? `${id}.ChooseVariant` : `${id}.Send`;
        const fromTrigger = 'fromTrigger' in step.content;
        checkExit(id, id, first);
        if (byIntent) {
          states[`${id}.ChooseVariant`] = lambdaTask(
            DECIDE_FUNCTION,
            {
              mode: 'variant',
              ...common,
              step: id,
              ...('intent' in step.content
                ? { channel: step.channel, intent: step.content.intent }
                : {
                    'channel.$': '$.trigger.detail.message.channel',
                    'intent.$': '$.trigger.detail.message.intent',
                  }),
              purpose: step.purpose,
              'assignment.$': '$.assignment',
              'at.$': '$$.State.EnteredTime',
            },
            { ResultSelector: decisionSelector, ResultPath: `$.decisions.${id}`, Next: `${id}.HasVariant` },
          );
          states[`${id}.HasVariant`] = {
            Type: 'Choice',
            Choices: [{ Variable: `$.decisions.${id}.action`, StringEquals: 'nothing', Next: next }],
            Default: `${id}.Send`,
          };
        }
        const sendTask = (resultNext: string): AslState =>
          lambdaTask(
            SEND_FUNCTION,
            {
              'profileId.$': '$.profileId',
              ...(step.channel && byIntent && !fromTrigger
                ? { channel: step.channel }
                : { 'channel.$': `$.decisions.${decision}.channel` }),
              ...(byIntent ? { purpose: step.purpose } : { 'purpose.$': `$.decisions.${decision}.purpose` }),
              'journey.$': '$.journey',
              'executionId.$': '$$.Execution.Id',
              step: id,
              decision,
              'content.$': `$.decisions.${decision}.content`,
              'variant.$': `$.decisions.${decision}.variant`,
              priority: step.priority ?? journey.priority,
              sensitive: step.sensitive,
              'at.$': '$$.State.EnteredTime',
              // Fairness counters: a Sent outcome counts for the cohort in the assignment (offers
              // with their discount); start-journey always sets $.assignment.
              'assignment.$': '$.assignment',
              'action.$': `$.decisions.${decision}.action`,
              'discount.$': `$.decisions.${decision}.discount`,
            },
            {
              ResultSelector: { step: id, decision, 'result.$': '$.Payload' },
              ResultPath: '$.lastSend',
              Next: resultNext,
              Retry: [
                ...(options.sendRetryErrors.length
                  ? [
                      {
                        ErrorEquals: [...options.sendRetryErrors],
                        IntervalSeconds: 30,
                        MaxAttempts: 4,
                        BackoffRate: 2,
                      },
                    ]
                  : []),
                lambdaRetry,
              ],
            },
          );
        states[`${id}.Send`] = sendTask(`${id}.Outcome`);
        // Skipped with retryAt (quiet hours): wait until then and try once more.
        states[`${id}.Outcome`] = {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$.lastSend.result.outcome', StringEquals: 'Skipped' },
                { Variable: '$.lastSend.result.retryAt', IsPresent: true },
              ],
              Next: `${id}.WaitQuietHours`,
            },
          ],
          Default: next,
        };
        states[`${id}.WaitQuietHours`] = {
          Type: 'Wait',
          TimestampPath: '$.lastSend.result.retryAt',
          Next: `${id}.Resend`,
        };
        states[`${id}.Resend`] = sendTask(next);
        break;
      }
      case 'updateProfile':
        states[`${id}.UpdateProfile`] = lambdaTask(
          JOURNEY_STEP_FUNCTION,
          { action: 'updateProfile', ...common, step: id, set: step.set, 'at.$': '$$.State.EnteredTime' },
          { ResultPath: null, Next: entry(step.next) },
        );
        break;
      case 'exit':
        states[`${id}.Exit`] = { Type: 'Succeed', Comment: `exit: ${step.reason}` };
        break;
    }
  }
  if (usesExit) {
    states[EXITED_STATE] = {
      Type: 'Succeed',
      Comment: `A global exit condition fired (${journey.exitOn.map((c) => c.event).join(', ')}).`,
    };
  }
  // A JSON round trip drops undefined members, so the document is exactly what CloudFormation gets.
  return JSON.parse(
    JSON.stringify({
      Comment: `Feltfit journey '${journey.id}': ${journey.name}`,
      StartAt: entry(journey.start),
      States: states,
    }),
  ) as AslDefinition;
}

/** One state entered on a walk through a compiled definition. */
export interface PathStep {
  readonly state: string;
  readonly type: string;
}

/**
 * The main path of a compiled definition: from StartAt, a Choice takes its Default, a keyed wait
 * takes its timeout Catch (the person does not respond, so every message goes out), every other
 * state its Next, until a terminal state or a state already visited (a loop is walked once).
 * Each state entered is one Step Functions state transition.
 */
export function mainPath(definition: AslDefinition): PathStep[] {
  const path: PathStep[] = [];
  const seen = new Set<string>();
  let name: string | undefined = definition.StartAt;
  while (name !== undefined && !seen.has(name)) {
    seen.add(name);
    const state: AslState | undefined = definition.States[name];
    if (!state) break;
    path.push({ state: name, type: state.Type });
    if (state.Type === 'Choice') name = state.Default as string | undefined;
    else if (state.Type === 'Task' && String(state.Resource).endsWith('.waitForTaskToken')) {
      const catches = (state.Catch as { Next: string }[] | undefined) ?? [];
      name = catches[0]?.Next ?? (state.Next as string | undefined);
    } else name = state.Next as string | undefined;
  }
  return path;
}
