import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { StateMachine } from 'aws-local-stepfunctions';
import { LambdaInvocationError, type LocalFunction } from './lambda.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver } from './template.js';

// aws-local-stepfunctions uses Promise.withResolvers, which Node.js 20 lacks.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type AslState = Record<string, unknown> & { Type: string };
interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
}

/** One local execution, as DescribeExecution reports it. */
export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Task states entered, in order. */
  states: string[];
  /** The execution's history, as GetExecutionHistory reports it (names only, no state data). */
  history: LocalHistoryEvent[];
  done: Promise<void>;
  abort?: () => void;
}

interface LocalStateMachine {
  arn: string;
  name: string;
  definition: AslDefinition;
  /** The definition as deployed (DescribeStateMachine's `definition`). */
  text: string;
  createdAt: Date;
}

/**
 * One history event in the shape GetExecutionHistory returns: `<Type>StateEntered` /
 * `<Type>StateExited` with the state's name, and the execution's own events. State input and output
 * are left out (AWS omits them too with `includeExecutionData: false`): the console needs the path.
 */
export interface LocalHistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly name?: string;
  readonly error?: string;
  readonly cause?: string;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The template's Step Functions state machines, run in process by aws-local-stepfunctions on their
 * synthesized ASL, behind the Step Functions API the unchanged AWS SDK reaches through
 * AWS_ENDPOINT_URL_SFN (StartExecution, DescribeExecution, ListExecutions, StopExecution,
 * SendTaskSuccess, SendTaskFailure, and the reads the console uses: DescribeStateMachine,
 * ListStateMachines, GetExecutionHistory).
 *
 * - `arn:aws:states:::lambda:invoke` tasks invoke the local functions and return the optimized
 *   integration's `{ Payload, StatusCode }`; a function's error surfaces with its errorType as the
 *   error name, so Retry and Catch match as in AWS.
 * - `….waitForTaskToken` tasks hand the function `$$.Task.Token` (one token per execution and task
 *   entry) and wait for SendTaskSuccess/Failure or the state's timeout.
 * - Time runs `timeScale` times real speed: Wait states and the timeouts of task-token waits are
 *   scaled (a function task's timeout is real time: the work it bounds is not compressed). A wait for a
 *   timestamp or a path (Timestamp, TimestampPath, SecondsPath) runs as a local task that sleeps the
 *   remaining time × `timeScale`, so a journey waiting until its reorder window still waits, only
 *   shorter.
 */
/** The resource of the local task a computed Wait state becomes. */
const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::feltfit-local:wait';

export class LocalStepFunctions {
  private readonly machines = new Map<string, LocalStateMachine>();
  readonly executions = new Map<string, LocalExecution>();
  private readonly tokens = new Map<string, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private server?: Server;

  constructor(
    resolver: Resolver,
    private readonly functions: () => Map<string, LocalFunction>,
    private readonly timeScale = 1,
  ) {
    for (const [id, res] of resolver.ofType('AWS::StepFunctions::StateMachine')) {
      const name = String(res.Properties?.StateMachineName ?? id);
      const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
      resolver.bind(id, { ref: arn, attrs: { Arn: arn, Name: name } });
    }
    this.load = () => {
      for (const [id, res] of resolver.ofType('AWS::StepFunctions::StateMachine')) {
        const p = res.Properties ?? {};
        let text = String(resolver.resolve(p.DefinitionString ?? JSON.stringify(p.Definition ?? {})));
        const subs = (resolver.resolve(p.DefinitionSubstitutions ?? {}) ?? {}) as Record<string, string>;
        text = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, k: string) => (k in subs ? String(subs[k]) : m));
        const arn = resolver.ref(id);
        this.machines.set(arn, {
          arn,
          name: arn.split(':').pop()!,
          definition: JSON.parse(text) as AslDefinition,
          text,
          createdAt: new Date(),
        });
      }
    };
  }

  /** Reads every state machine's definition; call once functions and other resources are bound. */
  readonly load: () => void;

  get stateMachineArns(): string[] {
    return [...this.machines.keys()];
  }

  /** Starts an execution; a name already used for this state machine is refused, as in AWS. */
  startExecution(stateMachineArn: string, input: string, name: string = randomUUID()): LocalExecution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine)
      throw new ServiceError('StateMachineDoesNotExist', `State machine does not exist: ${stateMachineArn}`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new ServiceError('InvalidName', `Invalid execution name: ${name}`);
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS: same name and input while running is idempotent; anything else is ExecutionAlreadyExists.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: new Date(),
      input,
      states: [],
      history: [],
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    execution.done = this.run(machine, execution);
    return execution;
  }

  private scaledDefinition(def: AslDefinition): { definition: AslDefinition; waits: Record<string, number> } {
    const waits: Record<string, number> = {};
    const states: Record<string, AslState> = {};
    for (const [name, state] of Object.entries(def.States)) {
      let s: AslState = { ...state };
      if (s.Type === 'Wait') {
        if (typeof s.Seconds === 'number') waits[name] = Math.round(s.Seconds * 1000 * this.timeScale);
        else {
          // Computed waits become a local task that sleeps (see taskHandlers); I/O paths are kept.
          const { Type: _t, Seconds: _s, Timestamp, TimestampPath, SecondsPath, ...rest } = s;
          s = {
            ...rest,
            Type: 'Task',
            Resource: LOCAL_WAIT_RESOURCE,
            // A Wait has no timeout; a Task would default to 60 s in aws-local-stepfunctions. The
            // bound stays under setTimeout's 2^31 ms (larger values fire at once).
            TimeoutSeconds: 2_000_000,
            Parameters: {
              ...(typeof Timestamp === 'string' ? { timestamp: Timestamp } : {}),
              ...(typeof TimestampPath === 'string' ? { 'timestamp.$': TimestampPath } : {}),
              ...(typeof SecondsPath === 'string' ? { 'seconds.$': SecondsPath } : {}),
              'state.$': '$',
            },
          };
        }
      }
      // Only a wait for a task token is journey time; a function's own timeout is real time.
      if (
        s.Type === 'Task' &&
        typeof s.TimeoutSeconds === 'number' &&
        String(s.Resource).endsWith('.waitForTaskToken')
      ) {
        s.TimeoutSeconds = Math.max(1, Math.ceil(s.TimeoutSeconds * this.timeScale));
      }
      delete s.HeartbeatSeconds;
      states[name] = s;
    }
    return { definition: { ...def, States: states }, waits };
  }

  /** Sleeps the scaled time until `timestamp`, or for `seconds` scaled; returns the state unchanged. */
  private async localWait(input: Json): Promise<Json> {
    const { timestamp, seconds, state } = (input ?? {}) as {
      timestamp?: string;
      seconds?: number;
      state: Json;
    };
    const ms =
      typeof seconds === 'number'
        ? seconds * 1000
        : typeof timestamp === 'string'
          ? Date.parse(timestamp) - Date.now()
          : Number.NaN;
    if (!Number.isFinite(ms)) {
      throw Object.assign(new Error(`wait needs a timestamp or seconds, got ${JSON.stringify(input)}`), {
        name: 'States.Runtime',
      });
    }
    let left = Math.max(0, ms * this.timeScale);
    // setTimeout holds at most 2^31 − 1 ms; unref'd so a long wait never keeps the process alive.
    while (left > 0) {
      const step = Math.min(left, 2_000_000_000);
      await new Promise((r) => setTimeout(r, step).unref());
      left -= step;
    }
    return state;
  }

  private taskHandlers(def: AslDefinition, execution: LocalExecution) {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    let entries = 0;
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      if (resource === LOCAL_WAIT_RESOURCE) {
        handlers[name] = (input: Json) => this.localWait(input);
        continue;
      }
      const waitForToken = resource.endsWith('.waitForTaskToken');
      handlers[name] = async (input: Json) => {
        execution.states.push(name);
        let fnName: string;
        let payload: Json;
        if (resource.startsWith('arn:aws:states:::lambda:invoke')) {
          const params = (input ?? {}) as { FunctionName?: string; Payload?: Json };
          fnName = String(params.FunctionName);
          payload = params.Payload ?? null;
        } else if (resource.startsWith('arn:aws:lambda:')) {
          fnName = resource;
          payload = input;
        } else {
          throw Object.assign(new Error(`${resource} is not supported locally`), { name: 'States.Runtime' });
        }
        const fn = [...this.functions().values()].find(
          (f) => fnName === f.logicalId || fnName.endsWith(`:function:${f.logicalId}`),
        );
        if (!fn)
          throw Object.assign(new Error(`no local function ${fnName}`), {
            name: 'Lambda.ResourceNotFoundException',
          });
        let waiting: Promise<Json> | undefined;
        if (waitForToken) {
          const token = `${execution.executionArn}#${++entries}`;
          payload = JSON.parse(JSON.stringify(payload).replaceAll(TOKEN_PLACEHOLDER, token)) as Json;
          waiting = new Promise<Json>((resolve, reject) => this.tokens.set(token, { resolve, reject }));
        }
        let result: unknown;
        try {
          result = await fn.invoke(payload);
        } catch (err) {
          if (err instanceof LambdaInvocationError)
            throw Object.assign(new Error(err.message), { name: err.errorType });
          throw err;
        }
        if (waiting) return waiting;
        return resource.startsWith('arn:aws:states:::lambda:invoke')
          ? ({ ExecutedVersion: '$LATEST', Payload: (result ?? null) as Json, StatusCode: 200 } as Json)
          : ((result ?? null) as Json);
      };
    }
    return handlers;
  }

  private async run(machine: LocalStateMachine, execution: LocalExecution): Promise<void> {
    const { definition, waits } = this.scaledDefinition(machine.definition);
    const sm = new StateMachine(definition as never, {
      validationOptions: { checkArn: false, checkPaths: false },
    });
    const context = {
      Execution: {
        Id: execution.executionArn,
        Name: execution.name,
        Input: JSON.parse(execution.input) as Json,
        StartTime: execution.startDate.toISOString(),
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      // Replaced per task entry by a real token (see taskHandlers).
      Task: { Token: TOKEN_PLACEHOLDER },
      // aws-local-stepfunctions keeps one context object per execution: the time a state is entered
      // is read when the path is evaluated, which is when the state is entered.
      State: Object.defineProperties({} as Record<string, unknown>, {
        EnteredTime: { enumerable: true, get: () => new Date().toISOString() },
        Name: { enumerable: true, get: () => execution.states.at(-1) ?? '' },
        RetryCount: { enumerable: true, value: 0 },
      }),
    };
    const handle = sm.run(JSON.parse(execution.input) as Json, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(definition, execution),
        waitTimeOverrides: waits,
      },
      context: context as never,
    });
    execution.abort = handle.abort;
    const recorded = this.recordHistory(machine.definition, execution, handle.eventLogs);
    try {
      const output = await handle.result;
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output);
    } catch (err) {
      const e = err as Error & { cause?: { name?: string; message?: string } };
      execution.status = e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
      execution.error = e.cause?.name ?? e.name;
      execution.cause = e.cause?.message ?? e.message;
      if (execution.status === 'FAILED') {
        console.error(
          `local step functions: ${execution.name} failed: ${execution.error}: ${execution.cause}`,
        );
      }
    } finally {
      execution.stopDate = new Date();
      await Promise.race([recorded, new Promise((r) => setTimeout(r, 100).unref())]);
      for (const [token, waiter] of this.tokens) {
        if (token.startsWith(`${execution.executionArn}#`)) {
          this.tokens.delete(token);
          waiter.reject(Object.assign(new Error('execution ended'), { name: 'States.Runtime' }));
        }
      }
    }
  }

  /**
   * Turns the interpreter's event log into Step Functions history events. State types come from the
   * deployed definition (a computed Wait runs locally as a task, but its history says Wait).
   */
  private async recordHistory(
    def: AslDefinition,
    execution: LocalExecution,
    events: AsyncGenerator<{
      type: string;
      timestamp: number;
      state?: { name: string };
      Error?: string;
      Cause?: unknown;
    }>,
  ): Promise<void> {
    const push = (e: Omit<LocalHistoryEvent, 'id' | 'previousEventId'>) => {
      const id = execution.history.length + 1;
      execution.history.push({ ...e, id, previousEventId: id - 1 });
    };
    try {
      for await (const e of events) {
        const timestamp = new Date(e.timestamp);
        const name = e.state?.name;
        const type = name ? (def.States[name]?.Type ?? 'Task') : '';
        switch (e.type) {
          case 'ExecutionStarted':
          case 'ExecutionSucceeded':
          case 'ExecutionAborted':
            push({ timestamp, type: e.type });
            break;
          case 'ExecutionTimeout':
            push({ timestamp, type: 'ExecutionTimedOut' });
            break;
          case 'ExecutionFailed':
            push({ timestamp, type: 'ExecutionFailed', error: e.Error ?? '', cause: String(e.Cause ?? '') });
            break;
          case 'StateEntered':
            push({ timestamp, type: `${type}StateEntered`, name: name! });
            break;
          case 'StateExited':
            push({ timestamp, type: `${type}StateExited`, name: name! });
            break;
          default:
            break;
        }
      }
    } catch {
      // The log ends with the execution; a broken log must not fail it.
    }
  }

  sendTaskSuccess(token: string, output: string): void {
    const waiter = this.tokens.get(token);
    if (!waiter) throw new ServiceError('TaskTimedOut', 'Task Timed Out');
    this.tokens.delete(token);
    waiter.resolve(JSON.parse(output) as Json);
  }

  sendTaskFailure(token: string, error?: string, cause?: string): void {
    const waiter = this.tokens.get(token);
    if (!waiter) throw new ServiceError('TaskTimedOut', 'Task Timed Out');
    this.tokens.delete(token);
    waiter.reject(Object.assign(new Error(cause ?? ''), { name: error ?? 'States.TaskFailed' }));
  }

  /** Resolves when every execution has ended (tests use it). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const e of this.executions.values()) {
      if (e.status !== 'RUNNING') continue;
      await Promise.race([e.done, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
  }

  private describe(e: LocalExecution) {
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate.getTime() / 1000,
      ...(e.stopDate ? { stopDate: e.stopDate.getTime() / 1000 } : {}),
      input: e.input,
      ...(e.output !== undefined ? { output: e.output } : {}),
      ...(e.error ? { error: e.error, cause: e.cause } : {}),
    };
  }

  private api(op: string, body: Record<string, unknown>): unknown {
    switch (op) {
      case 'StartExecution': {
        const e = this.startExecution(
          String(body.stateMachineArn),
          String(body.input ?? '{}'),
          body.name ? String(body.name) : undefined,
        );
        return { executionArn: e.executionArn, startDate: e.startDate.getTime() / 1000 };
      }
      case 'DescribeExecution': {
        const e = this.executions.get(String(body.executionArn));
        if (!e) throw new ServiceError('ExecutionDoesNotExist', 'Execution does not exist');
        return this.describe(e);
      }
      case 'ListExecutions': {
        if (!this.machines.has(String(body.stateMachineArn)))
          throw new ServiceError(
            'StateMachineDoesNotExist',
            `State machine does not exist: ${body.stateMachineArn}`,
          );
        // AWS lists newest first, at most maxResults (default and cap 1000) a page, with a nextToken.
        const all = [...this.executions.values()]
          .filter(
            (e) =>
              e.stateMachineArn === body.stateMachineArn &&
              (!body.statusFilter || e.status === body.statusFilter),
          )
          .reverse();
        const { items, nextToken } = page(all, body);
        return {
          executions: items.map((e) => {
            const {
              input: _i,
              output: _o,
              error: _e,
              cause: _c,
              ...summary
            } = this.describe(e) as Record<string, unknown>;
            return summary;
          }),
          ...(nextToken ? { nextToken } : {}),
        };
      }
      case 'DescribeStateMachine': {
        const m = this.machines.get(String(body.stateMachineArn));
        if (!m)
          throw new ServiceError(
            'StateMachineDoesNotExist',
            `State machine does not exist: ${body.stateMachineArn}`,
          );
        return {
          stateMachineArn: m.arn,
          name: m.name,
          status: 'ACTIVE',
          definition: m.text,
          roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
          type: 'STANDARD',
          creationDate: m.createdAt.getTime() / 1000,
        };
      }
      case 'ListStateMachines': {
        const { items, nextToken } = page([...this.machines.values()], body);
        return {
          stateMachines: items.map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: 'STANDARD',
            creationDate: m.createdAt.getTime() / 1000,
          })),
          ...(nextToken ? { nextToken } : {}),
        };
      }
      case 'GetExecutionHistory': {
        const e = this.executions.get(String(body.executionArn));
        if (!e) throw new ServiceError('ExecutionDoesNotExist', 'Execution does not exist');
        const events = body.reverseOrder === true ? [...e.history].reverse() : e.history;
        const { items, nextToken } = page(events, body);
        return { events: items.map(historyEvent), ...(nextToken ? { nextToken } : {}) };
      }
      case 'StopExecution': {
        const e = this.executions.get(String(body.executionArn));
        if (!e) throw new ServiceError('ExecutionDoesNotExist', 'Execution does not exist');
        e.abort?.();
        return { stopDate: Date.now() / 1000 };
      }
      case 'SendTaskSuccess':
        this.sendTaskSuccess(String(body.taskToken), String(body.output ?? 'null'));
        return {};
      case 'SendTaskFailure':
        this.sendTaskFailure(
          String(body.taskToken),
          body.error as string | undefined,
          body.cause as string | undefined,
        );
        return {};
      default:
        throw new ServiceError('UnknownOperationException', `${op} is not served locally`);
    }
  }

  /** Serves the Step Functions API (awsJson1_0) for the AWS SDK's SFN client. */
  listen(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const op = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        const out = this.api(op, body);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(out));
      } catch (err) {
        const type = err instanceof ServiceError ? err.type : 'InvalidParameterException';
        res
          .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
          .end(JSON.stringify({ __type: type, message: err instanceof Error ? err.message : String(err) }));
      }
    });
    return new Promise((resolve) => {
      this.server!.listen(0, '127.0.0.1', () => {
        const addr = this.server!.address();
        resolve(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
      });
    });
  }

  /** Aborts running executions and waits (at most `graceMs`) for them to end. */
  async abortAll(graceMs = 5_000): Promise<void> {
    for (const e of this.executions.values()) if (e.status === 'RUNNING') e.abort?.();
    await Promise.race([
      Promise.allSettled([...this.executions.values()].map((e) => e.done)),
      new Promise<void>((r) => setTimeout(r, graceMs).unref()),
    ]);
  }

  async close(): Promise<void> {
    await this.abortAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** AWS paging: `maxResults` (0 or absent: 1000, the cap) and an opaque `nextToken` (here an offset). */
function page<T>(all: readonly T[], body: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const max = Number(body.maxResults ?? 0);
  if (!Number.isInteger(max) || max < 0 || max > 1000)
    throw new ServiceError('InvalidParameterException', 'maxResults must be between 0 and 1000');
  const size = max === 0 ? 1000 : max;
  const from = body.nextToken
    ? Number.parseInt(Buffer.from(String(body.nextToken), 'base64url').toString(), 10)
    : 0;
  if (!Number.isInteger(from) || from < 0) throw new ServiceError('InvalidToken', 'Invalid nextToken');
  const items = all.slice(from, from + size);
  return from + size < all.length
    ? { items, nextToken: Buffer.from(String(from + size)).toString('base64url') }
    : { items };
}

const DETAILS: Record<string, string> = {
  ExecutionFailed: 'executionFailedEventDetails',
};

/** A history event as the awsJson protocol carries it (dates as epoch seconds). */
function historyEvent(e: LocalHistoryEvent): Record<string, unknown> {
  const base = {
    timestamp: e.timestamp.getTime() / 1000,
    type: e.type,
    id: e.id,
    previousEventId: e.previousEventId,
  };
  if (e.name && e.type.endsWith('StateEntered'))
    return { ...base, stateEnteredEventDetails: { name: e.name } };
  if (e.name && e.type.endsWith('StateExited')) return { ...base, stateExitedEventDetails: { name: e.name } };
  const details = DETAILS[e.type];
  if (details) return { ...base, [details]: { error: e.error, cause: e.cause } };
  return base;
}

/** Stands in for `$$.Task.Token` in the context object until a task entry gets its real token. */
const TOKEN_PLACEHOLDER = '__feltfit_local_task_token__';
