import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../infra/local/lambda.js';
import { LocalStepFunctions } from '../../../infra/local/step-functions.js';
import { Resolver } from '../../../infra/local/template.js';

/** A stand-in for a worker-backed local function. */
function fakeFunction(logicalId: string, fn: (event: any) => unknown): LocalFunction {
  return { logicalId, invoke: async (e: unknown) => fn(e) } as unknown as LocalFunction;
}

const TWO_DAYS = 2 * 86_400;

const call = (next: string | undefined, extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: '${StepArn}', 'Payload.$': '$' },
  ResultSelector: { 'value.$': '$.Payload' },
  ResultPath: '$.called',
  ...(next ? { Next: next } : { End: true }),
  ...extra,
});

const started: LocalStepFunctions[] = [];
afterEach(async () => {
  for (const sfn of started.splice(0)) await sfn.close();
});

/** A local Step Functions on `stateDir` with one state machine, `journey` (real time). */
function machineOn(stateDir: string, definition: object, functions: LocalFunction[]) {
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
  const sfn = new LocalStepFunctions(resolver, () => map, 1, { stateDir });
  sfn.load();
  started.push(sfn);
  return { sfn, arn: sfn.stateMachineArns[0]! };
}

const fileOf = (dir: string, name: string) => join(dir, 'executions', 'journey', `${name}.json`);
const stored = (dir: string, name: string) => JSON.parse(readFileSync(fileOf(dir, name), 'utf8'));

/** Polls until `probe` holds (the event log is read asynchronously); fails after 10 s. */
async function until(what: string, probe: () => boolean) {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Until the execution's file says it is in `state`. */
const inState = (dir: string, name: string, state: string) =>
  until(`${name} in ${state}`, () => {
    try {
      return stored(dir, name).cursor?.state === state;
    } catch {
      return false;
    }
  });

/** Moves the end of the wait the execution is in to the past, as if it ended while stopped. */
function endWaitWhileStopped(dir: string, name: string) {
  const s = stored(dir, name);
  s.cursor.deadline = Date.now() - 1_000;
  writeFileSync(fileOf(dir, name), JSON.stringify(s));
}

describe('durable local Step Functions (stateDir)', () => {
  const pauseThenCall = {
    StartAt: 'Welcome',
    States: {
      Welcome: call('Pause'),
      Pause: { Type: 'Wait', Seconds: TWO_DAYS, Next: 'Nudge' },
      Nudge: call(undefined),
    },
  };

  it('keeps a waiting execution RUNNING across a restart, in the same state with the same deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const calls: string[] = [];
    const step = fakeFunction('Step', (e) => {
      calls.push(JSON.stringify(e));
      return 'ok';
    });
    const before = machineOn(dir, pauseThenCall, [step]);
    const e = before.sfn.startExecution(before.arn, '{"profileId":"p-1"}', 'onboarding-p-1');
    await inState(dir, 'onboarding-p-1', 'Pause');
    const deadline = stored(dir, 'onboarding-p-1').cursor.deadline as number;
    expect(deadline - Date.parse(e.startDate.toISOString())).toBeGreaterThanOrEqual(TWO_DAYS * 1000);
    await before.sfn.close();

    const after = machineOn(dir, pauseThenCall, [step]);
    expect(after.sfn.resume()).toEqual({ loaded: 1, resumed: 1, unreadable: [] });
    const resumed = after.sfn.executions.get(e.executionArn)!;
    expect(resumed.status).toBe('RUNNING');
    expect(resumed.input).toBe('{"profileId":"p-1"}');
    expect(resumed.history.map((h) => `${h.type}:${h.name ?? ''}`)).toEqual([
      'ExecutionStarted:',
      'TaskStateEntered:Welcome',
      'TaskStateExited:Welcome',
      'WaitStateEntered:Pause',
    ]);
    // The resumed wait keeps its end: the file is not rewritten with a new one.
    await new Promise((r) => setTimeout(r, 50));
    expect(stored(dir, 'onboarding-p-1').cursor).toMatchObject({ state: 'Pause', deadline });
    expect(calls).toHaveLength(1);
  });

  it('fires a wait that ended while stopped as soon as it starts, and the journey goes on from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const calls: unknown[] = [];
    const step = fakeFunction('Step', (e) => {
      calls.push(e);
      return 'ok';
    });
    const before = machineOn(dir, pauseThenCall, [step]);
    const e = before.sfn.startExecution(before.arn, '{"profileId":"p-2"}', 'p-2');
    await inState(dir, 'p-2', 'Pause');
    await before.sfn.close();
    endWaitWhileStopped(dir, 'p-2');

    const after = machineOn(dir, pauseThenCall, [step]);
    after.sfn.resume();
    const resumed = after.sfn.executions.get(e.executionArn)!;
    await resumed.done;
    expect(resumed.status).toBe('SUCCEEDED');
    // The state input survived: Nudge saw what Welcome added.
    expect(calls).toEqual([{ profileId: 'p-2' }, { profileId: 'p-2', called: { value: 'ok' } }]);
    expect(resumed.states).toEqual(['Welcome', 'Nudge']);
    expect(resumed.history.map((h) => `${h.type}:${h.name ?? ''}`)).toEqual([
      'ExecutionStarted:',
      'TaskStateEntered:Welcome',
      'TaskStateExited:Welcome',
      'WaitStateEntered:Pause',
      'WaitStateExited:Pause',
      'TaskStateEntered:Nudge',
      'TaskStateExited:Nudge',
      'ExecutionSucceeded:',
    ]);
    expect(stored(dir, 'p-2')).toMatchObject({ status: 'SUCCEEDED' });
    expect(stored(dir, 'p-2').cursor).toBeUndefined();
  });

  it.each([
    ['a timestamp (TimestampPath)', { Type: 'Wait', TimestampPath: '$.until', Next: 'Nudge' }],
    ['seconds from the input (SecondsPath)', { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Nudge' }],
  ])('keeps the end of a wait for %s across a restart', async (_, wait) => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const definition = { StartAt: 'Pause', States: { Pause: wait, Nudge: call(undefined) } };
    const step = fakeFunction('Step', () => 'ok');
    const input = { until: new Date(Date.now() + TWO_DAYS * 1000).toISOString(), seconds: TWO_DAYS };
    const before = machineOn(dir, definition, [step]);
    const e = before.sfn.startExecution(before.arn, JSON.stringify(input), 'computed');
    await until('the computed end is saved', () => {
      try {
        return typeof stored(dir, 'computed').cursor?.deadline === 'number';
      } catch {
        return false;
      }
    });
    expect(stored(dir, 'computed').cursor.deadline).toBeGreaterThan(Date.now() + (TWO_DAYS - 60) * 1000);
    await before.sfn.close();
    endWaitWhileStopped(dir, 'computed');

    const after = machineOn(dir, definition, [step]);
    after.sfn.resume();
    const resumed = after.sfn.executions.get(e.executionArn)!;
    await resumed.done;
    expect(resumed.status).toBe('SUCCEEDED');
    expect(JSON.parse(resumed.output!)).toEqual({ ...input, called: { value: 'ok' } });
    expect(resumed.history.filter((h) => h.type === 'WaitStateEntered').map((h) => h.name)).toEqual([
      'Pause',
    ]);
  });

  it('times out a task-token wait whose deadline passed while stopped into its catcher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const definition = {
      StartAt: 'AwaitOrder',
      States: {
        AwaitOrder: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: '${StepArn}', Payload: { 'token.$': '$$.Task.Token' } },
          TimeoutSeconds: TWO_DAYS,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'NoOrder' }],
          End: true,
        },
        NoOrder: { Type: 'Pass', Result: 'no order', End: true },
      },
    };
    const tokens: string[] = [];
    const step = fakeFunction('Step', (e) => {
      tokens.push(e.token);
      return null;
    });
    const before = machineOn(dir, definition, [step]);
    const e = before.sfn.startExecution(before.arn, '{}', 'awaiting');
    await until('the token is handed out', () => tokens.length === 1);
    await inState(dir, 'awaiting', 'AwaitOrder');
    await before.sfn.close();
    endWaitWhileStopped(dir, 'awaiting');

    const after = machineOn(dir, definition, [step]);
    after.sfn.resume();
    const resumed = after.sfn.executions.get(e.executionArn)!;
    await resumed.done;
    expect(resumed.output).toBe('"no order"');
    // The task ran again (registering its wait anew) with a token that is not the old one.
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(tokens[0]);
    expect(() => after.sfn.sendTaskSuccess(tokens[0]!, '{}')).toThrow(/Task Timed Out/);
  });

  it('runs a task that was in flight when the runtime stopped again (at least once)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const definition = { StartAt: 'Send', States: { Send: call(undefined) } };
    let invoked = 0;
    const hanging = fakeFunction('Step', () => {
      invoked++;
      return new Promise(() => undefined);
    });
    const before = machineOn(dir, definition, [hanging]);
    const e = before.sfn.startExecution(before.arn, '{}', 'in-flight');
    await until('the task runs', () => invoked === 1);
    await inState(dir, 'in-flight', 'Send');
    await before.sfn.close();

    const after = machineOn(dir, definition, [fakeFunction('Step', () => 'sent')]);
    after.sfn.resume();
    const resumed = after.sfn.executions.get(e.executionArn)!;
    await resumed.done;
    expect(resumed.status).toBe('SUCCEEDED');
    expect(JSON.parse(resumed.output!)).toEqual({ called: { value: 'sent' } });
    expect(resumed.states).toEqual(['Send']);
  });

  it('keeps ended executions listed and their names taken; a stopped one stays ABORTED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const definition = {
      StartAt: 'Pause',
      States: { Pause: { Type: 'Wait', Seconds: TWO_DAYS, End: true } },
    };
    const quick = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
    const before = machineOn(dir, quick, []);
    const done = before.sfn.startExecution(before.arn, '{"a":1}', 'done');
    await done.done;
    await before.sfn.close();

    const second = machineOn(dir, definition, []);
    expect(second.sfn.resume()).toMatchObject({ loaded: 1, resumed: 0 });
    expect(second.sfn.executions.get(done.executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"a":1}',
    });
    expect(() => second.sfn.startExecution(second.arn, '{"a":2}', 'done')).toThrow(
      /Execution Already Exists/,
    );
    const waiting = second.sfn.startExecution(second.arn, '{}', 'stopped');
    await inState(dir, 'stopped', 'Pause');
    waiting.abort?.();
    await waiting.done;
    await second.sfn.close();

    const third = machineOn(dir, definition, []);
    expect(third.sfn.resume()).toMatchObject({ loaded: 2, resumed: 0 });
    expect(third.sfn.executions.get(waiting.executionArn)?.status).toBe('ABORTED');
    // Read back oldest first, so ListExecutions (newest first) keeps its order.
    expect([...third.sfn.executions.values()].map((e) => e.name)).toEqual(['done', 'stopped']);
  });

  it('reports and skips an unreadable execution file, and removes a half-written one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const quick = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
    const before = machineOn(dir, quick, []);
    await before.sfn.startExecution(before.arn, '{}', 'fine').done;
    await before.sfn.close();
    const folder = join(dir, 'executions', 'journey');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'truncated.json'), '{"version":1,"executionArn":"arn:');
    writeFileSync(join(folder, 'other-shape.json'), JSON.stringify({ version: 1, name: 'x' }));
    writeFileSync(join(folder, 'fine.json.1a2b3c4d.tmp'), '{"version"');

    const after = machineOn(dir, quick, []);
    const report = after.sfn.resume();
    expect(report.loaded).toBe(1);
    expect(report.unreadable.map((u) => u.path.split('/').pop()).sort()).toEqual([
      'other-shape.json',
      'truncated.json',
    ]);
    expect(report.unreadable.find((u) => u.path.endsWith('truncated.json'))?.reason).toMatch(/not JSON/);
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect([...after.sfn.executions.values()].map((e) => e.name)).toEqual(['fine']);
  });

  it('resumes on the definition the execution started with, after the state machine changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const outputs: string[] = [];
    const before = machineOn(dir, pauseThenCall, [fakeFunction('Step', () => 'v1')]);
    const e = before.sfn.startExecution(before.arn, '{}', 'old-version');
    await inState(dir, 'old-version', 'Pause');
    await before.sfn.close();
    endWaitWhileStopped(dir, 'old-version');

    // Redeployed: Pause is gone; the running execution still has it.
    const redeployed = { StartAt: 'Nudge', States: { Nudge: call(undefined) } };
    const after = machineOn(dir, redeployed, [
      fakeFunction('Step', () => {
        outputs.push('called');
        return 'v2';
      }),
    ]);
    after.sfn.resume();
    const resumed = after.sfn.executions.get(e.executionArn)!;
    await resumed.done;
    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.states).toEqual(['Welcome', 'Nudge']);
    expect(outputs).toEqual(['called']);
  });
});
