import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type InvocationRecord, isErrorLine, lineSplitter } from './invocation-log.js';
import { type Resolver, UnsupportedTemplateError } from './template.js';

const workerFile = fileURLToPath(new URL('./lambda-worker.mjs', import.meta.url));

/** A function's error, as Lambda reports an unhandled exception. */
export class LambdaInvocationError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
    this.name = 'LambdaInvocationError';
  }
}

/**
 * One AWS::Lambda::Function of the template, run from its bundled asset in a worker thread whose
 * environment is the template's variables (Refs resolved to local resources) plus the local
 * endpoints. Up to `concurrency` invocations run at once, like that many warm instances (sharing module
 * state here); more wait in a queue, as Lambda's asynchronous queue and stream pollers wait for a slot.
 */
export class LocalFunction {
  private worker?: Worker;
  /** Where the worker's output goes, once started (unset: not started, or stopped). */
  private output?: { logFile?: string; echoError?: (line: string) => void };
  /** The handler module loading, or loaded. */
  private initialising?: Promise<void>;
  /** Why the handler module failed to load, if it did. */
  initError?: string;
  /**
   * Fault injection: drawn once per invocation that succeeded or failed in the handler; true fails it
   * afterwards, as if the process died before reporting (the side effects stay, the caller retries).
   */
  crash?: () => boolean;
  /** How many invocations may run at once (the template's ReservedConcurrentExecutions, else the local default). */
  readonly concurrency: number;
  /** How many invocations may wait for a free slot before new ones are refused (TooManyRequestsException). */
  readonly maxQueued: number;
  private readonly pending = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }
  >();
  private readonly queue: { event: unknown; resolve: (v: unknown) => void; reject: (e: Error) => void }[] =
    [];
  private running = 0;
  /** Most invocations seen running at once (tests and the bench read it). */
  peakRunning = 0;
  /** Told of every invocation when it ends (`npm start` prints a line for each). */
  onInvocation?: (invocation: InvocationRecord) => void;

  constructor(
    readonly logicalId: string,
    readonly file: string,
    readonly exportName: string,
    readonly env: Record<string, string>,
    readonly timeoutMs: number,
    readonly memoryMb: number,
    options: { readonly concurrency?: number; readonly maxQueued?: number } = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? LOCAL_DEFAULT_CONCURRENCY);
    this.maxQueued = options.maxQueued ?? LOCAL_MAX_QUEUED;
  }

  /** The function's folder under functions/ (its Powertools service name without `feltfit-`), else its logical id. */
  get functionName(): string {
    return this.env.POWERTOOLS_SERVICE_NAME?.replace(/^feltfit-/, '') ?? this.logicalId;
  }

  /** Invocations running now, and waiting for a slot. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /**
   * Makes the function invocable; its console output goes to `logFile` when given, else to this
   * process's console. With a log file, `echoError` also gets each line that reports an error (see
   * isErrorLine). The handler module loads now (`init: 'at-start'`), or at the first invocation
   * (`'on-first-invocation'`): a cold start, as Lambda initialises an on-demand instance when a
   * request needs it, so functions a run never calls cost nothing.
   */
  async start(
    logFile?: string,
    echoError?: (line: string) => void,
    init: FunctionInit = 'at-start',
  ): Promise<void> {
    this.output = { logFile, echoError };
    if (init === 'at-start') await this.initialise();
  }

  /** Loads the handler in its worker, once; invocations wait in the queue meanwhile. */
  private initialise(): Promise<void> {
    const output = this.output;
    if (!output) return Promise.resolve();
    this.initialising ??= this.loadHandler(output.logFile, output.echoError);
    return this.initialising;
  }

  private async loadHandler(logFile?: string, echoError?: (line: string) => void): Promise<void> {
    const worker = new Worker(workerFile, {
      env: this.env,
      stdout: Boolean(logFile),
      stderr: Boolean(logFile),
      workerData: {
        file: this.file,
        exportName: this.exportName,
        functionName: this.logicalId,
        timeoutMs: this.timeoutMs,
        memoryMb: this.memoryMb,
      },
    });
    if (logFile) {
      const out = createWriteStream(logFile, { flags: 'a' });
      worker.stdout.pipe(out);
      worker.stderr.pipe(out);
      if (echoError)
        for (const stream of ['stdout', 'stderr'] as const)
          worker[stream].on(
            'data',
            lineSplitter((line) => {
              if (isErrorLine(line, stream)) echoError(line);
            }),
          );
    }
    const loaded = await new Promise<boolean>((resolve) => {
      const onError = (err: Error) => {
        // As in Lambda, an init failure fails the function's invocations, not the whole app.
        this.initError = err.message;
        console.error(`local runtime: function ${this.logicalId} failed to initialise: ${err.message}`);
        resolve(false);
      };
      worker.once('error', onError);
      worker.once('message', (m: { ready?: boolean }) => {
        if (m.ready) {
          worker.off('error', onError);
          resolve(true);
        }
      });
    });
    if (!loaded) {
      for (const q of this.queue.splice(0)) q.reject(this.initFailure());
      return;
    }
    worker.on(
      'message',
      (m: {
        id?: string;
        started?: boolean;
        result?: unknown;
        error?: { errorType: string; errorMessage: string };
      }) => {
        if (!m.id) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.started) {
          // As in Lambda, the timeout counts from the handler's start, not from the request's arrival.
          p.timer = setTimeout(() => {
            this.pending.delete(m.id!);
            this.release();
            p.reject(
              new LambdaInvocationError(
                this.logicalId,
                'Sandbox.Timedout',
                `Task timed out after ${this.timeoutMs / 1000} seconds`,
              ),
            );
          }, this.timeoutMs);
          return;
        }
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        this.release();
        if (this.crash?.())
          p.reject(
            new LambdaInvocationError(
              this.logicalId,
              'Runtime.ExitError',
              'RequestId: injected crash after the handler ran (FELTFIT_FAULTS crashRate)',
            ),
          );
        else if (m.error)
          p.reject(new LambdaInvocationError(this.logicalId, m.error.errorType, m.error.errorMessage));
        else p.resolve(m.result);
      },
    );
    worker.on('error', (err) => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.running -= this.pending.size;
      this.pending.clear();
    });
    this.worker = worker;
    this.drain();
  }

  /**
   * Invokes the handler with an event; rejects on an unhandled error or the template's timeout. At most
   * `concurrency` invocations run at once; the others wait their turn (up to `maxQueued`).
   */
  invoke<T = unknown>(event: unknown): Promise<T> {
    const observe = this.onInvocation;
    const invoked = this.invokeInWorker<T>(event);
    if (!observe) return invoked;
    const at = new Date();
    const ended = (outcome: { result?: unknown; error?: Error }) =>
      observe({ function: this.functionName, event, at, durationMs: Date.now() - at.getTime(), ...outcome });
    invoked.then(
      (result) => ended({ result }),
      (error: Error) => ended({ error }),
    );
    return invoked;
  }

  private invokeInWorker<T>(event: unknown): Promise<T> {
    if (this.initError) return Promise.reject(this.initFailure());
    if (!this.output) return Promise.reject(new Error(`function ${this.logicalId} is not started`));
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new LambdaInvocationError(
          this.logicalId,
          'TooManyRequestsException',
          `Rate Exceeded: ${this.queue.length} invocations already waiting locally`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ event, resolve: resolve as (v: unknown) => void, reject });
      if (this.worker) this.drain();
      else void this.initialise();
    });
  }

  private initFailure(): LambdaInvocationError {
    return new LambdaInvocationError(this.logicalId, 'Runtime.InitError', this.initError ?? 'init failed');
  }

  private release(): void {
    this.running--;
    this.drain();
  }

  /** Starts queued invocations while slots are free. */
  private drain(): void {
    const worker = this.worker;
    while (worker && this.running < this.concurrency && this.queue.length) {
      const next = this.queue.shift()!;
      const id = randomUUID();
      this.running++;
      this.peakRunning = Math.max(this.peakRunning, this.running);
      this.pending.set(id, { resolve: next.resolve, reject: next.reject });
      worker.postMessage({ id, event: next.event, requestId: id });
    }
  }

  /** Stops the worker; invocations still running or waiting fail at once (their timers would hold the stop). */
  async stop(): Promise<void> {
    this.output = undefined;
    // A handler still loading is let finish, so its worker is ended too.
    await this.initialising;
    this.initialising = undefined;
    const worker = this.worker;
    this.worker = undefined;
    const stopped = () => new Error(`function ${this.logicalId} stopped during the invocation`);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(stopped());
    }
    for (const q of this.queue.splice(0)) q.reject(stopped());
    this.pending.clear();
    this.running = 0;
    await worker?.terminate();
  }
}

/** When a function's handler module loads: at the runtime's start, or at its first invocation (a cold start). */
export type FunctionInit = 'at-start' | 'on-first-invocation';

/**
 * Concurrent invocations of a function without ReservedConcurrentExecutions, locally: a few per
 * function keeps a 2-core laptop responsive while I/O-bound handlers still overlap.
 */
export const LOCAL_DEFAULT_CONCURRENCY = 4;

/** Invocations that may wait per function before new ones are refused; bounds the memory a flood holds. */
export const LOCAL_MAX_QUEUED = 10_000;

/** Local variables every function gets: region, dummy credentials, and endpoints of local services. */
export interface LocalEnvironment {
  readonly dynamodbEndpoint: string;
  /** Endpoints of local services, set before the template's variables. */
  readonly extra?: Record<string, string>;
  /**
   * Variables that only have a local meaning (outbox folder, data folder, the secrets extension's
   * port); they win over the template's.
   */
  readonly overrides?: Record<string, string>;
  /**
   * Template variables given another value in the functions that have them, as a deploy with a
   * different configuration would (e.g. `CHANNELS_CONFIG`); never added to other functions.
   */
  readonly redeploy?: Record<string, string>;
}

/** This project's node_modules, which stands in for the AWS SDK the Lambda runtime provides. */
const projectModules = fileURLToPath(new URL('../../node_modules', import.meta.url));

/**
 * Bundles leave @aws-sdk/* external because the Lambda Node.js runtime provides it. Locally, a
 * `node_modules` link in the assembly folder plays the runtime's part, wherever it was synthesized.
 */
function provideRuntimeModules(assemblyDir: string): void {
  const link = join(assemblyDir, 'node_modules');
  if (existsSync(link)) return;
  try {
    symlinkSync(projectModules, link, 'dir');
  } catch (error) {
    // Two runtimes on one shared assembly (parallel e2e files) may both find it missing: one link serves both.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Builds a LocalFunction for every Lambda function in the template and binds its Ref and Arn. */
export function loadTemplateFunctions(
  resolver: Resolver,
  assemblyDir: string,
  local: LocalEnvironment,
): Map<string, LocalFunction> {
  provideRuntimeModules(assemblyDir);
  const fns = new Map<string, LocalFunction>();
  for (const [id] of resolver.ofType('AWS::Lambda::Function')) {
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${id}`;
    resolver.bind(id, { ref: id, attrs: { Arn: arn } });
  }
  for (const [id, res] of resolver.ofType('AWS::Lambda::Function')) {
    const p = res.Properties ?? {};
    // Only Feltfit's own Node.js handlers run here. Others are CDK's deploy-time providers (the
    // console's BucketDeployment is a Python function with the AWS CLI): a local run has nothing for
    // them to do, and nothing routes to them. Their Ref and Arn stay bound above.
    if (!String(p.Runtime ?? '').startsWith('nodejs')) continue;
    const assetPath = res.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string')
      throw new UnsupportedTemplateError(`function ${id} has no bundled asset`);
    const [fileBase, exportName] = String(p.Handler ?? 'index.handler').split('.') as [string, string];
    const dir = join(assemblyDir, assetPath);
    const file = ['.mjs', '.js', '.cjs'].map((ext) => join(dir, fileBase + ext)).find((f) => existsSync(f));
    if (!file) throw new UnsupportedTemplateError(`function ${id}: no ${fileBase}.mjs/.js in ${dir}`);
    const vars = (resolver.resolve((p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) ??
      {}) as Record<string, string>;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_LAMBDA_FUNCTION_NAME: id,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(p.MemorySize ?? 128),
      // As Lambda sets it; Powertools reports cold_start only for on-demand instances.
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbEndpoint,
      // Lambda runs Node.js 24; the SDK's warning about this machine's Node.js is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: local.dynamodbEndpoint,
      ...local.extra,
      ...vars,
      ...Object.fromEntries(Object.entries(local.redeploy ?? {}).filter(([k]) => k in vars)),
      ...local.overrides,
    };
    // Lambda's --enable-source-maps costs startup time locally without helping much; keep the rest.
    delete env.NODE_OPTIONS;
    fns.set(
      id,
      new LocalFunction(
        id,
        file,
        exportName,
        env,
        Number(p.Timeout ?? 3) * 1000,
        Number(p.MemorySize ?? 128),
        p.ReservedConcurrentExecutions !== undefined
          ? { concurrency: Number(p.ReservedConcurrentExecutions) }
          : {},
      ),
    );
  }
  return fns;
}
