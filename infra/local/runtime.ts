import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LocalAsyncInvoker, LocalLambdaApi, LocalQueueStore } from './async-invoke.js';
import { LocalAudiencePlatforms, parseAudienceFaults } from './audience-platforms.js';
import { consoleAssetDir } from './console.js';
import { type DynamoDbLocal, freePort, startDynamoDbLocal } from './dynamodb-local.js';
import { createTemplateTables } from './dynamodb-tables.js';
import { LocalEventBus } from './event-bus.js';
import { FaultInjector, type Faults, sdkFaultsEnv } from './faults.js';
import { LocalHttpApi, type ThrottleSettings } from './http-api.js';
import { summarizeInvocation } from './invocation-log.js';
import { type FunctionInit, type LocalFunction, loadTemplateFunctions } from './lambda.js';
import { registerLocalSource } from './local-source.js';
import { LocalSchedules } from './schedules.js';
import { LocalSecrets } from './secrets.js';
import { LocalStepFunctions, type ResumeReport } from './step-functions.js';
import { LocalStreamMappings } from './stream-mappings.js';
import { type Assembly, readAssembly, synthesize } from './synth.js';
import { bindPassiveResources, Resolver } from './template.js';

/** Longest a stopping runtime waits for events already on the bus to reach their targets. */
const STOP_DRAIN_MS = 5_000;

export interface RuntimeOptions {
  /** HTTP port; 0 picks a free one. */
  readonly port: number;
  /** Where local state lives (DynamoDB Local files, outbox, runtime.json). */
  readonly dataDir: string;
  /** Write key of the local dev source. */
  readonly writeKey: string;
  /** Bearer token for IAM-authorized (admin) routes. */
  readonly adminToken: string;
  /** Use an existing assembly instead of synthesizing. */
  readonly assemblyDir?: string;
  /** Keep DynamoDB Local in memory (tests) instead of files under dataDir. */
  readonly inMemory?: boolean;
  /** Use a running DynamoDB Local rather than starting one. */
  readonly dynamodbEndpoint?: string;
  /** Prefix for local table names (lets several runtimes share one DynamoDB Local). */
  readonly tablePrefix?: string;
  /** Factor journey waits are multiplied by: 1 is real time, 1/3600 makes an hour's wait a second (`FELTFIT_TIME_SCALE` is its inverse, the speed-up). */
  readonly timeScale?: number;
  /**
   * Template variables replaced in the functions that have them, as a deploy with another
   * configuration would (tests: e.g. `CHANNELS_CONFIG` with wider contact-pressure caps).
   */
  readonly redeploy?: Record<string, string>;
  /** Where function logs go: this console (default) or `dataDir/logs/<function>.log`. */
  readonly functionLogs?: 'console' | 'files';
  /**
   * Told one readable line per function invocation, and, with `functionLogs: 'files'`, each line a
   * function logs that reports an error, in full (`npm start` prints them; see invocation-log.ts).
   */
  readonly invocationLog?: (line: string) => void;
  /**
   * Run the template's schedules (default true). Tests that count sends turn them off: at a high
   * speed-up the nightly scoring fires every second or two and its ScoresChanged events start journeys.
   */
  readonly schedules?: boolean;
  /**
   * When each function's handler module loads (default `'on-first-invocation'`: a cold start at the
   * first request, as Lambda initialises on-demand instances, so the functions a run never calls
   * cost nothing; `'at-start'` loads all of them before the runtime answers, reporting a handler
   * that fails to load at once). `npm start` reads FELTFIT_FUNCTION_INIT.
   */
  readonly functionInit?: FunctionInit;
  /** Injected failures (PutEvents, crashes after a handler ran), seeded; `npm start` reads FELTFIT_FAULTS. */
  readonly faults?: Faults;
  /**
   * The HTTP API stage's throttle instead of the template's DefaultRouteSettings, as a deploy with
   * another `ingest.throttle` would (the load bench and the overload test: a laptop's capacity is
   * far below the deployed limits).
   */
  readonly apiThrottle?: ThrottleSettings;
}

/** A running local Feltfit. */
export interface Runtime {
  readonly url: string;
  readonly port: number;
  readonly dynamodbEndpoint: string;
  /** Each function's environment after resolution, keyed by logical id. */
  readonly functions: Map<string, LocalFunction>;
  /** Table names keyed by the env var functions read them from (EVENTS_TABLE, …). */
  readonly tables: Record<string, string>;
  readonly routeKeys: string[];
  /** The folder of local state (outbox, secrets, logs, dead letters). */
  readonly dataDir: string;
  /** The local EventBridge PutEvents endpoint (what functions reach as AWS_ENDPOINT_URL_EVENTBRIDGE). */
  readonly busEndpoint: string;
  /** Folder of the function log files (with `functionLogs: 'files'`). */
  readonly logDir: string;
  /** The template's EventBridge buses and rules. */
  readonly bus: LocalEventBus;
  /** The template's DynamoDB-stream event-source mappings. */
  readonly streams: LocalStreamMappings;
  /** The template's state machines and their executions. */
  readonly stepFunctions: LocalStepFunctions;
  /** What was read back from the data directory on start (executions resumed, files skipped). */
  readonly resumed: ResumeReport;
  /** Local SQS queues (failure destinations, rule DLQs), durable under `dataDir/queues`. */
  readonly queues: LocalQueueStore;
  /** Asynchronous invocations with the template's retries and on-failure destinations; `stats` counts them. */
  readonly asyncInvoker: LocalAsyncInvoker;
  /** The local Lambda Invoke endpoint (AWS_ENDPOINT_URL_LAMBDA for an SDK client). */
  readonly lambdaEndpoint: string;
  /** The template's EventBridge Scheduler schedules on the scaled clock (`list()`: name, expression, nextRun). */
  readonly schedules: LocalSchedules;
  /** Resolves when streams and the bus have nothing left in flight (tests wait on it). */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the synthesized cloud assembly on this machine: tables in DynamoDB Local, the HTTP API's
 * routes on localhost invoking the bundled handlers. Everything is read from the template.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const assembly: Assembly = options.assemblyDir
    ? readAssembly(options.assemblyDir)
    : synthesize(join(dataDir, 'cdk.out'));

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    let ddb: DynamoDbLocal | undefined;
    let endpoint = options.dynamodbEndpoint;
    if (!endpoint) {
      ddb = await startDynamoDbLocal(options.inMemory ? {} : { dbPath: join(dataDir, 'dynamodb') });
      cleanups.push(() => ddb!.stop());
      endpoint = ddb.endpoint;
    }
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(async () => client.destroy());

    const resolver = new Resolver(assembly.template);
    bindPassiveResources(resolver);
    await createTemplateTables(client, resolver, options.tablePrefix ?? 'feltfit');
    const deadLetterDir = join(dataDir, 'dead-letters');
    const faults = new FaultInjector(options.faults);
    let functions = new Map<string, LocalFunction>();
    const byArn = (arn: string) =>
      [...functions.values()].find((f) => arn.endsWith(`:function:${f.logicalId}`));
    // Rule targets and schedules invoke functions asynchronously: the template's EventInvokeConfig
    // retries and on-failure queues apply (kept in dataDir/queues, read by `feltfit dlq`).
    const queues = new LocalQueueStore(join(dataDir, 'queues'));
    const asyncInvoker = new LocalAsyncInvoker(resolver, queues, options.timeScale ?? 1);
    const invokeAsync = (arn: string, payload: unknown) => {
      const fn = byArn(arn);
      return fn ? asyncInvoker.invoke(fn, payload) : undefined;
    };
    const lambdaApi = new LocalLambdaApi(() => functions, asyncInvoker);
    const lambdaEndpoint = await lambdaApi.listen();
    cleanups.push(() => lambdaApi.close());
    // Executions are kept in the data directory and resume on the next start, unless DynamoDB is in
    // memory: the data they refer to would be gone.
    const stepFunctions = new LocalStepFunctions(
      resolver,
      () => functions,
      options.timeScale ?? 1,
      options.inMemory ? {} : { stateDir: join(dataDir, 'step-functions') },
    );
    const sfnEndpoint = await stepFunctions.listen();
    cleanups.push(() => stepFunctions.close());
    // Rule targets: functions are invoked asynchronously, state machines get a new execution.
    const bus = new LocalEventBus(
      resolver,
      (arn, payload) => {
        if (arn.includes(':stateMachine:')) {
          stepFunctions.startExecution(arn, JSON.stringify(payload));
          return Promise.resolve();
        }
        return invokeAsync(arn, payload);
      },
      deadLetterDir,
      faults,
      queues,
    );
    const busEndpoint = await bus.listen();
    cleanups.push(() => bus.close());
    // Schedules invoke functions asynchronously, as Scheduler's Lambda target does.
    const schedules = new LocalSchedules(resolver, invokeAsync, queues, options.timeScale ?? 1);

    const secrets = new LocalSecrets(resolver, join(dataDir, 'secrets'));
    const secretsPort = await secrets.listen();
    cleanups.push(() => secrets.close());
    // The ad platforms' audience APIs and S3's PutObject, answered into the outbox (AUDIENCE_API_URL).
    const audiencePlatforms = new LocalAudiencePlatforms({
      outboxDir: join(dataDir, 'outbox'),
      faults: parseAudienceFaults(process.env.FELTFIT_AUDIENCE_FAULTS),
    });
    const audienceApiUrl = await audiencePlatforms.listen();
    cleanups.push(() => audiencePlatforms.close());
    const port = options.port || (await freePort());
    LocalHttpApi.bindEndpoints(resolver, port);

    functions = loadTemplateFunctions(resolver, assembly.dir, {
      dynamodbEndpoint: endpoint,
      extra: { AWS_ENDPOINT_URL_EVENTBRIDGE: busEndpoint, AWS_ENDPOINT_URL_SFN: sfnEndpoint },
      ...(options.redeploy ? { redeploy: options.redeploy } : {}),
      overrides: {
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(secretsPort),
        OUTBOX_DIR: join(dataDir, 'outbox'),
        AUDIENCE_API_URL: audienceApiUrl,
        FELTFIT_DATA_DIR: dataDir,
        // The speed-up, for what compresses with the waits (the send function's cap and quiet-hour
        // windows). Only set here: a deployed function has no such variable and runs on real time.
        FELTFIT_TIME_SCALE: String(Number((1 / (options.timeScale ?? 1)).toPrecision(12))),
        // Injected SDK failures (FELTFIT_FAULTS' sdk part): every client awsClient builds honours it.
        ...(sdkFaultsEnv(options.faults) ? { FELTFIT_SDK_FAULTS: sdkFaultsEnv(options.faults)! } : {}),
      },
    });
    for (const name of faults.crashingFunctions) {
      const targets = [...functions.values()].filter((f) => f.functionName === name);
      if (!targets.length)
        throw new Error(`faults.crashRate: no function '${name}' (use a folder name under functions/)`);
      for (const f of targets) f.crash = faults.crasher(name);
    }
    bus.bindTargets();
    schedules.bindTargets();
    stepFunctions.load();
    const api = new LocalHttpApi(resolver, functions, options.adminToken, {
      dataDir,
      consoleDir: consoleAssetDir(resolver, assembly.dir),
      stageThrottle: options.apiThrottle,
    });
    const logDir = join(dataDir, 'logs');
    if (options.functionLogs === 'files') await mkdir(logDir, { recursive: true });
    const print = options.invocationLog;
    for (const fn of functions.values()) {
      if (print) fn.onInvocation = (invocation) => print(summarizeInvocation(invocation));
      await fn.start(
        options.functionLogs === 'files' ? join(logDir, `${fn.logicalId}.log`) : undefined,
        print,
        options.functionInit ?? 'on-first-invocation',
      );
      cleanups.push(() => fn.stop());
    }
    // Executions kept from the last run carry on where they were, now that their functions answer;
    // on stop, durable ones stay RUNNING on disk (see step-functions.ts).
    const resumed = stepFunctions.resume();
    // On stop (cleanups run in reverse): after the stream pollers, before the functions, let events
    // already on the bus reach their targets (at most a few seconds) instead of dead-lettering them
    // against stopped functions; then end the executions still running, while their functions can
    // still answer (a task waiting on a stopped function would hold the stop).
    cleanups.push(() => stepFunctions.abortAll());
    cleanups.push(() =>
      Promise.race([bus.idle(), new Promise<void>((r) => setTimeout(r, STOP_DRAIN_MS).unref())]),
    );
    // Likewise scheduled invocations already started; no new ones once stopping begins.
    cleanups.push(async () => {
      schedules.stop();
      await Promise.race([schedules.idle(), new Promise<void>((r) => setTimeout(r, STOP_DRAIN_MS).unref())]);
    });
    const streamsClient = new DynamoDBStreamsClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(async () => streamsClient.destroy());
    // Checkpoints live with the streams they index: not kept when DynamoDB is in memory.
    const streams = new LocalStreamMappings(
      resolver,
      functions,
      streamsClient,
      queues,
      options.inMemory ? undefined : join(dataDir, 'stream-checkpoints'),
    );
    lambdaApi.eventSourceMappings = () => streams.describe();
    streams.start();
    cleanups.push(() => streams.stop());

    // Table names by env var, as the functions see them.
    const tables: Record<string, string> = {};
    for (const fn of functions.values()) {
      // The identity hash key's secret too: the CLI hashes identifiers with the functions' key.
      for (const [k, v] of Object.entries(fn.env))
        if (k.endsWith('_TABLE') || k === 'IDENTITY_HMAC_KEY_ARN') tables[k] = v;
    }
    await registerLocalSource(client, tables, options.writeKey);

    await api.listen(port);
    cleanups.push(() => api.close());
    if (options.schedules ?? true) schedules.start();
    const url = `http://localhost:${port}`;
    await writeFile(
      join(dataDir, 'runtime.json'),
      JSON.stringify(
        {
          url,
          pid: process.pid,
          dynamodbEndpoint: endpoint,
          sfnEndpoint,
          // The CLI puts events (e.g. `feltfit models train`) on the local bus through this endpoint.
          busEndpoint,
          // `feltfit dlq`: the local failure queues and the Lambda Invoke endpoint it redrives through.
          queuesDir: queues.dir,
          lambdaEndpoint,
          eventBusName: [...functions.values()].map((f) => f.env.EVENT_BUS_NAME).find(Boolean),
          stateMachines: Object.fromEntries(
            stepFunctions.stateMachineArns.map((a) => [a.split(':').pop(), a]),
          ),
          env: tables,
          // The deployed journeys (a custom configuration file changes them): `feltfit run` checks
          // a launch against these, as the console's campaigns function does.
          journeysConfig: [...functions.values()].map((f) => f.env.JOURNEYS_CONFIG).find(Boolean),
        },
        null,
        2,
      ),
    );
    const settle = async (timeoutMs = 30_000) => {
      // A stream delivery may put events on the bus, whose targets may write to a streamed table.
      for (let i = 0; i < 10; i++) {
        await streams.idle(timeoutMs);
        const before = bus.history.length;
        await bus.idle();
        await streams.idle(timeoutMs);
        if (bus.history.length === before) return;
      }
    };
    return {
      url,
      port,
      dynamodbEndpoint: endpoint,
      functions,
      tables,
      routeKeys: api.routeKeys(),
      dataDir,
      busEndpoint,
      logDir,
      bus,
      streams,
      stepFunctions,
      resumed,
      schedules,
      queues,
      asyncInvoker,
      lambdaEndpoint,
      settle,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Kept here too for the callers that import it from the runtime (tests). */
export { randomToken } from './credentials.js';
