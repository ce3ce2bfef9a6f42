import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import * as z from 'zod';
import { LambdaInvocationError, type LocalFunction } from './lambda.js';
import { readJsonDir, readJsonFile, type UnreadableStateFile, writeJsonAtomic } from './state-files.js';
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
  /** sha256 of `text`: the name its definition is kept under in the state directory. */
  hash: string;
}

/**
 * Where a durable execution is: the top-level state it last entered, that state's raw input, and
 * for a wait (Wait, computed Wait, task-token wait) the wall-clock time it ends.
 */
interface Cursor {
  state: string;
  input: Json;
  enteredAt: string;
  deadline?: number;
}

/** An execution as kept in `<stateDir>/executions/<state machine>/<name>.json`. */
const StoredExecution = z.object({
  version: z.literal(1),
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
  startDate: z.iso.datetime(),
  stopDate: z.iso.datetime().optional(),
  input: z.string(),
  output: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  states: z.array(z.string()),
  history: z.array(
    z.object({
      id: z.number().int(),
      previousEventId: z.number().int(),
      timestamp: z.iso.datetime(),
      type: z.string(),
      name: z.string().optional(),
      error: z.string().optional(),
      cause: z.string().optional(),
    }),
  ),
  /** sha256 of the deployed definition it runs (`<stateDir>/definitions/<hash>.json`). */
  definition: z.string().regex(/^[0-9a-f]{64}$/),
  cursor: z
    .object({
      state: z.string(),
      input: z.json(),
      enteredAt: z.iso.datetime(),
      deadline: z.number().optional(),
    })
    .optional(),
});
type StoredExecution = z.infer<typeof StoredExecution>;

const StoredDefinition = z.looseObject({
  StartAt: z.string(),
  States: z.record(z.string(), z.looseObject({ Type: z.string() })),
});

/** What the local Step Functions keep about an execution besides what DescribeExecution shows. */
interface Durable {
  definition: AslDefinition;
  hash: string;
  cursor?: Cursor;
  /** Stopped by the runtime stopping (not StopExecution): stays RUNNING on disk and resumes on start. */
  suspended: boolean;
  /** The end a computed wait computed for the state it runs (see localWait). */
  waitDeadline?: { state: string; deadline: number };
}

/** What `resume()` found in the state directory. */
export interface ResumeReport {
  /** Executions read back (every status). */
  readonly loaded: number;
  /** RUNNING executions restarted at the state they were in. */
  readonly resumed: number;
  /** Files that could not be read: reported and skipped. */
  readonly unreadable: readonly UnreadableStateFile[];
}

/** Options of the local Step Functions. */
export interface LocalStepFunctionsOptions {
  /**
   * Folder executions are kept in (`npm start`: `<data dir>/step-functions`). Set, every execution
   * is written on start, on each state it enters and on its end, and `resume()` restarts those still
   * running; unset, executions live in memory only.
   */
  readonly stateDir?: string;
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
 * - Durable with `stateDir` (docs/operations.md#durable-local-journeys): an execution is written to
 *   disk (tmp + rename) when it starts, enters a top-level state and ends; `resume()` reads them
 *   back. The interpreter cannot start at a state, so a RUNNING execution resumes on a copy of its
 *   definition whose StartAt is the state it was in, run with that state's input: a Wait waits what
 *   was left of it by the wall clock (a wait that ended while stopped fires at once), a task-token
 *   wait keeps its deadline, any other Task runs again (at least once, as Lambda tasks are retried).
 */
/** The resource of the local task a computed Wait state becomes. */
const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::feltfit-local:wait';

export class LocalStepFunctions {
  private readonly machines = new Map<string, LocalStateMachine>();
  readonly executions = new Map<string, LocalExecution>();
  private readonly tokens = new Map<string, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private readonly durable = new Map<string, Durable>();
  /** Hashes of the definitions aws-local-stepfunctions has validated. */
  private readonly validated = new Set<string>();
  private readonly stateDir: string | undefined;
  private server?: Server;

  constructor(
    resolver: Resolver,
    private readonly functions: () => Map<string, LocalFunction>,
    private readonly timeScale = 1,
    options: LocalStepFunctionsOptions = {},
  ) {
    this.stateDir = options.stateDir;
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
        const definition = JSON.parse(text) as AslDefinition;
        const hash = createHash('sha256').update(text).digest('hex');
        this.machines.set(arn, {
          arn,
          name: arn.split(':').pop()!,
          definition,
          text,
          createdAt: new Date(),
          hash,
        });
        // Executions run on the definition they started with, as in AWS, also after a redeploy.
        if (this.stateDir) {
          const file = join(this.stateDir, 'definitions', `${hash}.json`);
          if (!existsSync(file)) writeJsonAtomic(file, definition);
        }
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
    this.durable.set(executionArn, { definition: machine.definition, hash: machine.hash, suspended: false });
    // On disk before it runs: the name stays taken across a restart.
    this.persist(execution);
    execution.done = this.run(execution);
    return execution;
  }

  /**
   * Reads the executions kept in the state directory and restarts those still RUNNING at the state
   * they were in. Call once, after `load()` and once the functions answer.
   */
  resume(): ResumeReport {
    if (!this.stateDir) return { loaded: 0, resumed: 0, unreadable: [] };
    const { values, unreadable } = readJsonDir(join(this.stateDir, 'executions'), StoredExecution);
    for (const u of unreadable) console.error(`local step functions: skipped ${u.path}: ${u.reason}`);
    let resumed = 0;
    // Oldest first, so ListExecutions (newest first) keeps its order.
    values.sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate));
    for (const stored of values) {
      if (this.executions.has(stored.executionArn)) continue;
      const execution = fromStored(stored);
      this.executions.set(execution.executionArn, execution);
      if (stored.status !== 'RUNNING') {
        // Ended: listed and described, never run again.
        this.durable.set(execution.executionArn, {
          definition: ENDED,
          hash: stored.definition,
          suspended: false,
        });
        continue;
      }
      let definition = this.definitionByHash(stored.definition);
      if (!definition) {
        const machine = this.machines.get(stored.stateMachineArn);
        if (machine)
          console.error(
            `local step functions: ${stored.name}: its definition is gone, resuming on the deployed one`,
          );
        definition = machine?.definition;
      }
      if (!definition) {
        this.durable.set(execution.executionArn, {
          definition: ENDED,
          hash: stored.definition,
          suspended: false,
        });
        this.end(execution, 'States.Runtime', `state machine ${stored.stateMachineArn} is not deployed`);
        this.persist(execution);
        continue;
      }
      this.durable.set(execution.executionArn, {
        definition,
        hash: stored.definition,
        ...(stored.cursor ? { cursor: stored.cursor as Cursor } : {}),
        suspended: false,
      });
      resumed++;
      execution.done = this.run(execution, stored.cursor as Cursor | undefined);
    }
    return { loaded: values.length, resumed, unreadable };
  }

  private definitionByHash(hash: string): AslDefinition | undefined {
    for (const m of this.machines.values()) if (m.hash === hash) return m.definition;
    if (!this.stateDir) return undefined;
    const read = readJsonFile(join(this.stateDir, 'definitions', `${hash}.json`), StoredDefinition);
    if (read && 'unreadable' in read)
      console.error(`local step functions: skipped ${read.unreadable.path}: ${read.unreadable.reason}`);
    return read && 'value' in read ? (read.value as unknown as AslDefinition) : undefined;
  }

  /** Marks an execution FAILED with `error` (used when it cannot be resumed). */
  private end(execution: LocalExecution, error: string, cause: string): void {
    execution.status = 'FAILED';
    execution.error = error;
    execution.cause = cause;
    execution.stopDate = new Date();
    const id = execution.history.length + 1;
    execution.history.push({
      id,
      previousEventId: id - 1,
      timestamp: execution.stopDate,
      type: 'ExecutionFailed',
      error,
      cause,
    });
    console.error(`local step functions: ${execution.name} failed: ${error}: ${cause}`);
  }

  /** Writes the execution to the state directory (nothing without one, or once suspended). */
  private persist(execution: LocalExecution): void {
    const d = this.durable.get(execution.executionArn);
    if (!this.stateDir || !d || d.suspended) return;
    const machine = execution.stateMachineArn.split(':').pop()!;
    try {
      writeJsonAtomic(
        join(this.stateDir, 'executions', machine, `${execution.name}.json`),
        toStored(execution, d),
      );
    } catch (err) {
      // A full disk must not fail the journey; the next write tries again.
      console.error(
        `local step functions: could not save ${execution.name}: ${err instanceof Error ? err.message : err}`,
      );
    }
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

  /**
   * Sleeps the scaled time until `timestamp`, or for `seconds` scaled, or (a resumed wait) until the
   * wall-clock `deadline` in epoch ms; tells `onDeadline` when it ends; returns the state unchanged.
   */
  private async localWait(input: Json, onDeadline: (deadline: number) => void): Promise<Json> {
    const { timestamp, seconds, deadline, state } = (input ?? {}) as {
      timestamp?: string;
      seconds?: number;
      deadline?: number;
      state: Json;
    };
    const ms =
      typeof deadline === 'number'
        ? (deadline - Date.now()) / this.timeScale
        : typeof seconds === 'number'
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
    onDeadline(Date.now() + left);
    // setTimeout holds at most 2^31 − 1 ms; unref'd so a long wait never keeps the process alive.
    while (left > 0) {
      const step = Math.min(left, 2_000_000_000);
      await new Promise((r) => setTimeout(r, step).unref());
      left -= step;
    }
    return state;
  }

  private taskHandlers(def: AslDefinition, execution: LocalExecution, display: (name: string) => string) {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    let entries = 0;
    // Tokens of a resumed run differ from those handed out before the restart: an old one is stale.
    const run = randomBytes(3).toString('hex');
    for (const [name, state] of Object.entries(def.States)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      if (resource === LOCAL_WAIT_RESOURCE) {
        handlers[name] = (input: Json) =>
          this.localWait(input, (deadline) => {
            const d = this.durable.get(execution.executionArn);
            if (!d) return;
            // The state's entry may be recorded before or after this (the event log is read async).
            d.waitDeadline = { state: display(name), deadline };
            if (d.cursor?.state !== display(name) || d.cursor.deadline === deadline) return;
            d.cursor.deadline = deadline;
            this.persist(execution);
          });
        continue;
      }
      const waitForToken = resource.endsWith('.waitForTaskToken');
      handlers[name] = async (input: Json) => {
        execution.states.push(display(name));
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
          const token = `${execution.executionArn}#${run}-${++entries}`;
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

  /**
   * Runs an execution on the interpreter: from its StartAt, or (resumed after a restart) from the
   * state in `resume` on a copy of its definition that starts there (see the class comment).
   */
  private async run(execution: LocalExecution, resume?: Cursor): Promise<void> {
    const durable = this.durable.get(execution.executionArn)!;
    const deployed = durable.definition;
    const { definition, waits } = this.scaledDefinition(deployed);
    const aliases = new Map<string, string>();
    let input = JSON.parse(execution.input) as Json;
    if (resume) {
      const state = definition.States[resume.state];
      if (!state) {
        this.end(execution, 'States.Runtime', `cannot resume: no state '${resume.state}' in its definition`);
        this.persist(execution);
        return;
      }
      // A Task that was running when the runtime stopped runs again; its first entry is recorded.
      if (state.Type === 'Task' && execution.states.at(-1) === resume.state) execution.states.pop();
      input = resume.input;
      const left = resume.deadline === undefined ? undefined : Math.max(0, resume.deadline - Date.now());
      let startAt = resume.state;
      if (left !== undefined) {
        // A wait resumes under another name with what is left of it; re-entering it later waits in full.
        startAt = `${resume.state}${RESUMED_SUFFIX}`;
        aliases.set(startAt, resume.state);
        if (state.Type === 'Wait') {
          definition.States[startAt] = { ...state };
          waits[startAt] = left;
        } else if (state.Resource === LOCAL_WAIT_RESOURCE) {
          definition.States[startAt] = {
            ...state,
            Parameters: { 'state.$': '$', deadline: resume.deadline },
          };
        } else {
          definition.States[startAt] = { ...state, TimeoutSeconds: Math.max(1, Math.ceil(left / 1000)) };
        }
      }
      definition.StartAt = startAt;
    }
    const display = (name: string) => aliases.get(name) ?? name;
    let sm: StateMachine;
    try {
      sm = new StateMachine(definition as never, {
        // Validated once per definition (validation costs more than a short execution); a resumed
        // copy is not validated: the states before its StartAt are unreachable, which it refuses.
        validationOptions:
          resume || this.validated.has(durable.hash)
            ? { noValidate: true }
            : { checkArn: false, checkPaths: false },
      });
    } catch (err) {
      this.end(execution, 'States.Runtime', err instanceof Error ? err.message : String(err));
      this.persist(execution);
      return;
    }
    this.validated.add(durable.hash);
    const machine = this.machines.get(execution.stateMachineArn);
    const context = {
      Execution: {
        Id: execution.executionArn,
        Name: execution.name,
        Input: JSON.parse(execution.input) as Json,
        StartTime: execution.startDate.toISOString(),
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      },
      StateMachine: { Id: execution.stateMachineArn, Name: machine?.name ?? execution.stateMachineArn },
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
    const handle = sm.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(definition, execution, display),
        waitTimeOverrides: waits,
      },
      context: context as never,
    });
    execution.abort = handle.abort;
    const recorded = this.recordHistory(deployed, definition, waits, execution, handle.eventLogs, {
      display,
      resumed: resume !== undefined,
    });
    try {
      const output = await handle.result;
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output);
    } catch (err) {
      const e = err as Error & { cause?: { name?: string; message?: string } };
      if (!durable.suspended) {
        execution.status = e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
        execution.error = e.cause?.name ?? e.name;
        execution.cause = e.cause?.message ?? e.message;
      }
      if (execution.status === 'FAILED') {
        console.error(
          `local step functions: ${execution.name} failed: ${execution.error}: ${execution.cause}`,
        );
      }
    } finally {
      if (!durable.suspended) execution.stopDate = new Date();
      await Promise.race([recorded, new Promise((r) => setTimeout(r, 100).unref())]);
      for (const [token, waiter] of this.tokens) {
        if (token.startsWith(`${execution.executionArn}#`)) {
          this.tokens.delete(token);
          waiter.reject(Object.assign(new Error('execution ended'), { name: 'States.Runtime' }));
        }
      }
      if (execution.status !== 'RUNNING') delete durable.cursor;
      this.persist(execution);
    }
  }

  /**
   * Turns the interpreter's event log into Step Functions history events. State types come from the
   * deployed definition (a computed Wait runs locally as a task, but its history says Wait).
   */
  private async recordHistory(
    def: AslDefinition,
    running: AslDefinition,
    waits: Record<string, number>,
    execution: LocalExecution,
    events: AsyncGenerator<{
      type: string;
      timestamp: number;
      state?: { name: string; input?: unknown };
      index?: number;
      Error?: string;
      Cause?: unknown;
    }>,
    run: { display: (name: string) => string; resumed: boolean },
  ): Promise<void> {
    const push = (e: Omit<LocalHistoryEvent, 'id' | 'previousEventId'>) => {
      const id = execution.history.length + 1;
      execution.history.push({ ...e, id, previousEventId: id - 1 });
    };
    const durable = this.durable.get(execution.executionArn)!;
    // A resumed run's start and its first state's entry are already in the history.
    let skipEntry = run.resumed;
    // Inside a top-level Parallel or Map, nested states are not where the execution is.
    let inside: string | undefined;
    try {
      for await (const e of events) {
        const timestamp = new Date(e.timestamp);
        const raw = e.state?.name;
        const name = raw === undefined ? undefined : run.display(raw);
        const type = name ? (def.States[name]?.Type ?? 'Task') : '';
        if (e.type === 'StateEntered' && raw && e.index === undefined && !inside && running.States[raw]) {
          const state = running.States[raw];
          // A Map's nested events carry their iteration's index; a Parallel's do not.
          if (state.Type === 'Parallel') inside = raw;
          if (skipEntry) {
            skipEntry = false;
            continue;
          }
          const timeout = state.Type === 'Task' && String(state.Resource).endsWith('.waitForTaskToken');
          let deadline =
            waits[raw] !== undefined
              ? e.timestamp + waits[raw]
              : timeout && typeof state.TimeoutSeconds === 'number'
                ? e.timestamp + state.TimeoutSeconds * 1000
                : undefined;
          const computed = durable.waitDeadline;
          if (state.Resource === LOCAL_WAIT_RESOURCE && computed && computed.state === name) {
            deadline = computed.deadline;
            delete durable.waitDeadline;
          }
          durable.cursor = {
            state: name!,
            input: (e.state?.input ?? null) as Json,
            enteredAt: timestamp.toISOString(),
            ...(deadline !== undefined ? { deadline } : {}),
          };
          push({ timestamp, type: `${type}StateEntered`, name: name! });
          this.persist(execution);
          continue;
        }
        // Exited, failed or caught: the execution is back at the top level.
        if (raw === inside && e.index === undefined) inside = undefined;
        switch (e.type) {
          case 'ExecutionStarted':
            if (!run.resumed) push({ timestamp, type: e.type });
            break;
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

  /**
   * Stops the interpreter for every running execution and waits (at most `graceMs`) for them to end.
   * Durable (`stateDir`), they stay RUNNING on disk where they were and `resume()` continues them;
   * otherwise they end ABORTED.
   */
  async abortAll(graceMs = 5_000): Promise<void> {
    for (const e of this.executions.values()) {
      if (e.status !== 'RUNNING') continue;
      const d = this.durable.get(e.executionArn);
      if (d && this.stateDir) d.suspended = true;
      e.abort?.();
    }
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

/** The definition kept for an execution that will not run again. */
const ENDED: AslDefinition = { StartAt: '', States: {} };

/** Appended to the name of the state a resumed wait continues in (it waits only what was left). */
const RESUMED_SUFFIX = ' (resumed)';

/** The execution as written to disk. */
function toStored(e: LocalExecution, d: Durable): StoredExecution {
  return {
    version: 1,
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate.toISOString(),
    ...(e.stopDate ? { stopDate: e.stopDate.toISOString() } : {}),
    input: e.input,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
    states: e.states,
    history: e.history.map((h) => ({ ...h, timestamp: h.timestamp.toISOString() })),
    definition: d.hash,
    ...(d.cursor ? { cursor: d.cursor } : {}),
  };
}

/** The execution read back from disk (its `done` is settled: `resume` runs it again if RUNNING). */
function fromStored(s: StoredExecution): LocalExecution {
  return {
    executionArn: s.executionArn,
    stateMachineArn: s.stateMachineArn,
    name: s.name,
    status: s.status,
    startDate: new Date(s.startDate),
    ...(s.stopDate ? { stopDate: new Date(s.stopDate) } : {}),
    input: s.input,
    ...(s.output !== undefined ? { output: s.output } : {}),
    ...(s.error !== undefined ? { error: s.error } : {}),
    ...(s.cause !== undefined ? { cause: s.cause } : {}),
    states: s.states,
    history: s.history.map((h) => ({ ...h, timestamp: new Date(h.timestamp) })),
    done: Promise.resolve(),
  };
}

/** Stands in for `$$.Task.Token` in the context object until a task entry gets its real token. */
const TOKEN_PLACEHOLDER = '__feltfit_local_task_token__';
