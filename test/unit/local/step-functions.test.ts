import { describe, expect, it } from 'vitest';
import { LambdaInvocationError, type LocalFunction } from '../../../infra/local/lambda.js';
import { LocalStepFunctions } from '../../../infra/local/step-functions.js';
import { Resolver } from '../../../infra/local/template.js';

/** A stand-in for a worker-backed local function. */
function fakeFunction(logicalId: string, fn: (event: any) => unknown): LocalFunction {
  return { logicalId, invoke: async (e: unknown) => fn(e) } as unknown as LocalFunction;
}

function machineWith(definition: object, functions: LocalFunction[], timeScale = 0.001) {
  const resolver = new Resolver({
    Resources: {
      Journey: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'journey',
          DefinitionString: JSON.stringify(definition),
          DefinitionSubstitutions: { StepArn: 'arn:aws:lambda:us-east-1:000000000000:function:Step' },
        },
      },
    },
  });
  const map = new Map(functions.map((f) => [f.logicalId, f]));
  const sfn = new LocalStepFunctions(resolver, () => map, timeScale);
  sfn.load();
  return { sfn, arn: sfn.stateMachineArns[0]! };
}

const invoke = (next: string | undefined, extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: '${StepArn}', 'Payload.$': '$' },
  ResultSelector: { 'value.$': '$.Payload' },
  ...(next ? { Next: next } : { End: true }),
  ...extra,
});

describe('local Step Functions', () => {
  it('runs lambda:invoke tasks on the local function and scales Wait states', async () => {
    const { sfn, arn } = machineWith(
      {
        StartAt: 'Pause',
        States: { Pause: { Type: 'Wait', Seconds: 3600, Next: 'Call' }, Call: invoke(undefined) },
      },
      [fakeFunction('Step', (e) => ({ doubled: e.n * 2 }))],
      0.00001,
    );
    const e = sfn.startExecution(arn, JSON.stringify({ n: 21 }), 'run-1');
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(JSON.parse(e.output!)).toEqual({ value: { doubled: 42 } });
    expect(e.states).toEqual(['Call']);
  });

  it('scales computed waits (TimestampPath, SecondsPath): waits the remaining time × timeScale, state unchanged', async () => {
    const { sfn, arn } = machineWith(
      {
        StartAt: 'UntilThen',
        States: {
          UntilThen: { Type: 'Wait', TimestampPath: '$.until', Next: 'ForSeconds' },
          ForSeconds: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Done' },
          Done: { Type: 'Succeed' },
        },
      },
      [],
      0.001,
    );
    // 300 s ahead and 200 s: 0.3 s + 0.2 s at 1/1000.
    const input = { until: new Date(Date.now() + 300_000).toISOString(), seconds: 200, keep: 'me' };
    const started = Date.now();
    const e = sfn.startExecution(arn, JSON.stringify(input), 'waits');
    await e.done;
    const took = Date.now() - started;
    expect(e.status).toBe('SUCCEEDED');
    expect(JSON.parse(e.output!)).toEqual(input);
    // Ordering, not speed: it did wait (≥ 0.5 s of scaled time), which the old 50 ms cap did not.
    expect(took).toBeGreaterThanOrEqual(450);
  });

  it('refuses a second execution with the same name and a different input', async () => {
    const { sfn, arn } = machineWith({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, []);
    await sfn.startExecution(arn, '{"a":1}', 'same').done;
    expect(() => sfn.startExecution(arn, '{"a":2}', 'same')).toThrow(/Execution Already Exists/);
  });

  it('surfaces a function error under its errorType so Catch matches it', async () => {
    const { sfn, arn } = machineWith(
      {
        StartAt: 'Call',
        States: {
          Call: invoke(undefined, { Catch: [{ ErrorEquals: ['ProviderThrottledError'], Next: 'Caught' }] }),
          Caught: { Type: 'Pass', Result: 'caught', End: true },
        },
      },
      [
        fakeFunction('Step', () => {
          throw new LambdaInvocationError('Step', 'ProviderThrottledError', 'slow down');
        }),
      ],
    );
    const e = sfn.startExecution(arn, '{}');
    await e.done;
    expect(e.output).toBe('"caught"');
  });

  it('resumes a waitForTaskToken task on SendTaskSuccess with the token the function received', async () => {
    let token = '';
    const { sfn, arn } = machineWith(
      {
        StartAt: 'Await',
        States: {
          Await: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: '${StepArn}', Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSeconds: 3600,
            End: true,
          },
        },
      },
      [
        fakeFunction('Step', (e) => {
          token = e.token;
          return null;
        }),
      ],
    );
    const e = sfn.startExecution(arn, '{}');
    while (!token) await new Promise((r) => setTimeout(r, 5));
    sfn.sendTaskSuccess(token, '{"orderId":"o-1"}');
    await e.done;
    expect(e.status).toBe('SUCCEEDED');
    expect(JSON.parse(e.output!)).toEqual({ orderId: 'o-1' });
    expect(() => sfn.sendTaskSuccess(token, '{}')).toThrow(/Task Timed Out/);
  });

  it('times a waiting task out (scaled) into its States.Timeout catcher', async () => {
    const { sfn, arn } = machineWith(
      {
        StartAt: 'Await',
        States: {
          Await: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: '${StepArn}', Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSeconds: 600,
            Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'TimedOut' }],
            End: true,
          },
          TimedOut: { Type: 'Pass', Result: 'timed out', End: true },
        },
      },
      [fakeFunction('Step', () => null)],
      0.001,
    );
    const e = sfn.startExecution(arn, '{}');
    await e.done;
    expect(e.output).toBe('"timed out"');
  });

  it('serves the console’s reads as AWS does: DescribeStateMachine, ListExecutions newest first with paging, GetExecutionHistory', async () => {
    const { sfn, arn } = machineWith(
      {
        StartAt: 'Call',
        States: {
          Call: invoke('Route'),
          Route: {
            Type: 'Choice',
            Choices: [{ Variable: '$.value', IsPresent: true, Next: 'Done' }],
            Default: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      [fakeFunction('Step', () => ({ ok: true }))],
    );
    const first = sfn.startExecution(arn, '{}', 'first');
    const second = sfn.startExecution(arn, '{}', 'second');
    await Promise.all([first.done, second.done]);
    const endpoint = await sfn.listen();
    const api = async (op: string, body: object) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': `AWSStepFunctions.${op}`, 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    try {
      const described = await api('DescribeStateMachine', { stateMachineArn: arn });
      expect(JSON.parse(described.definition).StartAt).toBe('Call');
      const page1 = await api('ListExecutions', { stateMachineArn: arn, maxResults: 1 });
      expect(page1.executions.map((e: any) => e.name)).toEqual(['second']);
      const page2 = await api('ListExecutions', {
        stateMachineArn: arn,
        maxResults: 1,
        nextToken: page1.nextToken,
      });
      expect(page2.executions.map((e: any) => e.name)).toEqual(['first']);
      expect(page2.nextToken).toBeUndefined();
      const history = await api('GetExecutionHistory', { executionArn: first.executionArn });
      expect(history.events.map((e: any) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskStateExited',
        'ChoiceStateEntered',
        'ChoiceStateExited',
        'SucceedStateEntered',
        'SucceedStateExited',
        'ExecutionSucceeded',
      ]);
      expect(history.events[1]).toMatchObject({
        id: 2,
        previousEventId: 1,
        stateEnteredEventDetails: { name: 'Call' },
      });
      const last = await api('GetExecutionHistory', {
        executionArn: first.executionArn,
        reverseOrder: true,
        maxResults: 2,
      });
      expect(last.events.map((e: any) => e.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
      expect(last.nextToken).toBeDefined();
    } finally {
      await sfn.close();
    }
  });
});
