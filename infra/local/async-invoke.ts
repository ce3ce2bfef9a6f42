/**
 * Asynchronous Lambda invocations, run locally as Lambda runs them: the template's
 * `AWS::Lambda::EventInvokeConfig` (MaximumRetryAttempts, MaximumEventAgeInSeconds, an on-failure SQS
 * destination) decides how often a failing invocation is retried and where its event goes after
 * that. The queues are durable here: one JSON file per message under `FELTFIT_DATA_DIR/queues/<name>/`,
 * which `feltfit dlq` lists, shows and redrives. A small Lambda Invoke endpoint lets the CLI re-invoke
 * a function the way it does in AWS.
 *
 * Deliberate differences from Lambda: retries wait 1 s and then 2 s (Lambda waits about 1 and 2
 * minutes), shorter still when the runtime's time scale compresses waits; a throttled invocation
 * (the function's local queue is full) waits and tries again without counting as an attempt, bounded
 * by the event age.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { LambdaInvocationError, type LocalFunction } from './lambda.js';
import type { EventSourceMappingInfo } from './stream-mappings.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver } from './template.js';

/** A message in a local queue, as the store keeps it. */
export interface StoredMessage {
  readonly messageId: string;
  readonly queue: string;
  /** When it was sent (ISO-8601). */
  readonly sentAt: string;
  readonly body: string;
  /** SQS message attributes (string values), e.g. a rule DLQ's RULE_ARN and TARGET_ARN. */
  readonly attributes: Readonly<Record<string, string>>;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MESSAGE_ID = /^[A-Za-z0-9-]{1,100}$/;

/** Raised for a queue name or message id that cannot be one (it would name a path outside the store). */
export class InvalidQueueReferenceError extends Error {
  override readonly name = 'InvalidQueueReferenceError';
}

/**
 * Durable local SQS queues: a folder per queue, a file per message, written atomically (temporary
 * file, then rename) so the CLI reading them never sees half a message.
 */
export class LocalQueueStore {
  constructor(readonly dir: string) {}

  private queueDir(queue: string): string {
    if (!QUEUE_NAME.test(queue)) throw new InvalidQueueReferenceError(`not a queue name: ${queue}`);
    return join(this.dir, queue);
  }

  /** Stores a message; returns its id. */
  async send(queue: string, body: string, attributes: Record<string, string> = {}): Promise<string> {
    const dir = this.queueDir(queue);
    await mkdir(dir, { recursive: true });
    const messageId = randomUUID();
    const message: StoredMessage = {
      messageId,
      queue,
      sentAt: new Date().toISOString(),
      body,
      attributes,
    };
    const tmp = join(dir, `.${messageId}.tmp`);
    await writeFile(tmp, JSON.stringify(message), { mode: 0o600 });
    await rename(tmp, join(dir, `${messageId}.json`));
    return messageId;
  }

  /** Queue names that hold or held messages, with how many they hold now. */
  async queues(): Promise<{ readonly name: string; readonly count: number }[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: { name: string; count: number }[] = [];
    for (const name of names.sort()) {
      if (!QUEUE_NAME.test(name)) continue;
      out.push({ name, count: (await this.ids(name)).length });
    }
    return out;
  }

  private async ids(queue: string): Promise<string[]> {
    const files = await readdir(this.queueDir(queue)).catch(() => [] as string[]);
    return files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5));
  }

  /** A queue's messages, oldest first. */
  async messages(queue: string, limit = Number.POSITIVE_INFINITY): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    for (const id of await this.ids(queue)) {
      const m = await this.get(queue, id);
      if (m) out.push(m);
    }
    return out.sort((a, b) => a.sentAt.localeCompare(b.sentAt)).slice(0, limit);
  }

  /** One message, or undefined when it is not (or no longer) there. */
  async get(queue: string, messageId: string): Promise<StoredMessage | undefined> {
    if (!MESSAGE_ID.test(messageId)) throw new InvalidQueueReferenceError(`not a message id: ${messageId}`);
    try {
      return JSON.parse(
        await readFile(join(this.queueDir(queue), `${messageId}.json`), 'utf8'),
      ) as StoredMessage;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Deletes a message; false when it was already gone. */
  async delete(queue: string, messageId: string): Promise<boolean> {
    if (!MESSAGE_ID.test(messageId)) throw new InvalidQueueReferenceError(`not a message id: ${messageId}`);
    try {
      await unlink(join(this.queueDir(queue), `${messageId}.json`));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}

/** The name of a queue from its ARN (`arn:aws:sqs:region:account:name`). */
export function queueNameOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:sqs:[^:]*:[^:]*:([^:]+)$/.exec(arn);
  return m?.[1];
}

/** What the template's EventInvokeConfig says for one function. */
export interface AsyncInvokeConfig {
  readonly maxRetryAttempts: number;
  readonly maxEventAgeMs: number;
  /** Queue name of the on-failure destination, when it is an SQS queue. */
  readonly onFailureQueue?: string;
}

/** The record Lambda sends to an on-failure destination (the invocation record, version 1.0). */
export interface FailureRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: '$LATEST';
    readonly functionError?: 'Unhandled';
  };
  readonly responsePayload?: { readonly errorType: string; readonly errorMessage: string; trace: string[] };
}

/** Lambda's default when a function has no EventInvokeConfig: two retries, six hours. */
const DEFAULT_CONFIG: AsyncInvokeConfig = { maxRetryAttempts: 2, maxEventAgeMs: 6 * 3_600_000 };

/** The local ARN of a function, as the template's Arn attributes resolve. */
export const localFunctionArn = (logicalId: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;

/** Clock and timers, injectable for tests. */
export interface AsyncClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: AsyncClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * Runs asynchronous invocations with the retries, event age and on-failure destination of each
 * function's EventInvokeConfig.
 */
export class LocalAsyncInvoker {
  private readonly configs = new Map<string, AsyncInvokeConfig>();
  private loaded = false;
  /** Counts for tests and the console: invocations sent to a failure queue, and retries made. */
  readonly stats = { retried: 0, deadLettered: 0, discarded: 0 };

  constructor(
    private readonly resolver: Resolver,
    readonly queues: LocalQueueStore,
    /** Factor waits are multiplied by (the runtime's time scale): shortens the retry backoff. */
    private readonly timeScale = 1,
    private readonly clock: AsyncClock = realClock,
  ) {}

  /**
   * Reads the template's EventInvokeConfigs, on first use: the functions they name are bound only
   * once the runtime has loaded them, after this object is made.
   */
  private load(): Map<string, AsyncInvokeConfig> {
    if (this.loaded) return this.configs;
    this.loaded = true;
    const resolver = this.resolver;
    for (const [, res] of resolver.ofType('AWS::Lambda::EventInvokeConfig')) {
      const p = res.Properties ?? {};
      const fn = String(resolver.resolve(p.FunctionName)).replace(/^.*:function:/, '');
      const destination = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
        ?.OnFailure?.Destination;
      const queue = destination ? queueNameOfArn(String(resolver.resolve(destination))) : undefined;
      this.configs.set(fn, {
        maxRetryAttempts: Number(p.MaximumRetryAttempts ?? DEFAULT_CONFIG.maxRetryAttempts),
        maxEventAgeMs: Number(p.MaximumEventAgeInSeconds ?? 21_600) * 1000,
        ...(queue ? { onFailureQueue: queue } : {}),
      });
    }
    return this.configs;
  }

  /** The EventInvokeConfig of a function (by logical id), if the template gives it one. */
  configOf(logicalId: string): AsyncInvokeConfig | undefined {
    return this.load().get(logicalId);
  }

  /** Wait before retry `n` (1-based): Lambda's 1 and 2 minutes, as 1 s and 2 s, scaled down further by fast time. */
  backoffMs(n: number): number {
    return Math.max(50, Math.min(1000, 60_000 * this.timeScale)) * 2 ** (n - 1);
  }

  /**
   * Invokes `fn` asynchronously with `payload` and resolves once the invocation succeeded, or its
   * event was handed to the on-failure queue (or discarded, as Lambda does without a destination).
   * A function without an EventInvokeConfig is invoked once and a failure rejects, so the caller (the
   * bus, a schedule) keeps its own retries and dead letters.
   */
  async invoke(fn: LocalFunction, payload: unknown): Promise<void> {
    const config = this.load().get(fn.logicalId);
    if (!config) {
      await fn.invoke(payload);
      return;
    }
    const requestId = randomUUID();
    const started = this.clock.now();
    let attempts = 0;
    let throttles = 0;
    let lastError: LambdaInvocationError | undefined;
    let condition: FailureRecord['requestContext']['condition'] = 'RetriesExhausted';
    while (attempts <= config.maxRetryAttempts) {
      if (this.clock.now() - started > config.maxEventAgeMs) {
        condition = 'EventAgeExceeded';
        break;
      }
      try {
        attempts++;
        await fn.invoke(payload);
        return;
      } catch (err) {
        lastError =
          err instanceof LambdaInvocationError
            ? err
            : new LambdaInvocationError(
                fn.logicalId,
                'Error',
                err instanceof Error ? err.message : String(err),
              );
        if (lastError.errorType === 'TooManyRequestsException') {
          // Lambda keeps a throttled event in its queue: not an attempt of the handler.
          attempts--;
          throttles++;
          await this.clock.sleep(this.backoffMs(Math.min(throttles, 6)));
          continue;
        }
        if (attempts <= config.maxRetryAttempts) {
          this.stats.retried++;
          await this.clock.sleep(this.backoffMs(attempts));
        }
      }
    }
    const record: FailureRecord = {
      version: '1.0',
      timestamp: new Date(this.clock.now()).toISOString(),
      requestContext: {
        requestId,
        functionArn: `${localFunctionArn(fn.logicalId)}:$LATEST`,
        condition,
        approximateInvokeCount: attempts,
      },
      requestPayload: payload,
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(lastError ? { functionError: 'Unhandled' as const } : {}),
      },
      ...(lastError
        ? {
            responsePayload: {
              errorType: lastError.errorType,
              errorMessage: handlerMessage(lastError),
              trace: [],
            },
          }
        : {}),
    };
    if (!config.onFailureQueue) {
      this.stats.discarded++;
      console.error(`local lambda: ${fn.functionName} failed after ${attempts} attempts; event discarded`);
      return;
    }
    await this.queues.send(config.onFailureQueue, JSON.stringify(record));
    this.stats.deadLettered++;
    // No payload in the log line: the event may hold personal data.
    console.error(
      `local lambda: ${fn.functionName} failed after ${attempts} attempts (${condition}); event in queue ${config.onFailureQueue}`,
    );
  }
}

/** The handler's own message, without the `function: type:` prefix LambdaInvocationError adds. */
function handlerMessage(err: LambdaInvocationError): string {
  const prefix = `${err.functionName}: ${err.errorType}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) for the local functions,
 * for `feltfit dlq redrive` and other callers that use the AWS SDK's Lambda client. The name may be a
 * logical id, an ARN (qualifier ignored) or the function's folder under functions/.
 * `X-Amz-Invocation-Type: Event` answers 202 and runs the invocation as an asynchronous one.
 * ListEventSourceMappings (`GET /2015-03-31/event-source-mappings/`) answers the stream mappings, so a
 * redrive of a stream give-up applies the mapping's filter as in AWS.
 */
export class LocalLambdaApi {
  private server?: Server;
  /** The stream mappings, once the runtime has made them. */
  eventSourceMappings: () => readonly EventSourceMappingInfo[] = () => [];

  constructor(
    private readonly functions: () => Map<string, LocalFunction>,
    private readonly async: LocalAsyncInvoker,
  ) {}

  private find(name: string): LocalFunction | undefined {
    const id = decodeURIComponent(name)
      .replace(/^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/, '')
      .replace(/:.*$/, '');
    const fns = this.functions();
    return fns.get(id) ?? [...fns.values()].find((f) => f.functionName === id);
  }

  /** Starts listening on a free port of 127.0.0.1; resolves with the endpoint URL. */
  listen(): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(body === undefined ? '' : JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname.replace(/\/$/, '') === '/2015-03-31/event-source-mappings') {
        const fnName = url.searchParams.get('FunctionName');
        const fn = fnName ? this.find(fnName) : undefined;
        if (fnName && !fn)
          return reply(
            404,
            { Type: 'User', message: `Function not found: ${fnName}` },
            { 'x-amzn-errortype': 'ResourceNotFoundException' },
          );
        const source = url.searchParams.get('EventSourceArn');
        return reply(200, {
          EventSourceMappings: this.eventSourceMappings().filter(
            (m) =>
              (!fn || m.FunctionArn === localFunctionArn(fn.logicalId)) &&
              (!source || m.EventSourceArn === source),
          ),
        });
      }
      const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (req.method !== 'POST' || !m) {
        return reply(404, { Type: 'User', message: `${req.method} ${req.url} is not served locally` });
      }
      const fn = this.find(m[1]!);
      if (!fn) {
        return reply(
          404,
          { Type: 'User', message: `Function not found: ${decodeURIComponent(m[1]!)}` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      }
      let payload: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        payload = text ? JSON.parse(text) : {};
      } catch {
        return reply(
          400,
          { Type: 'User', message: 'Could not parse request body into json' },
          { 'x-amzn-errortype': 'InvalidRequestContentException' },
        );
      }
      if (req.headers['x-amz-invocation-type'] === 'Event') {
        void this.async.invoke(fn, payload).catch(() => undefined);
        return reply(202, undefined);
      }
      try {
        const result = await fn.invoke(payload);
        reply(200, result ?? null, { 'x-amz-executed-version': '$LATEST' });
      } catch (err) {
        const e =
          err instanceof LambdaInvocationError
            ? { errorType: err.errorType, errorMessage: handlerMessage(err) }
            : { errorType: 'Error', errorMessage: err instanceof Error ? err.message : String(err) };
        // A function error is a 200 with X-Amz-Function-Error, as Lambda answers it.
        reply(200, e, { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
      }
    });
    return new Promise((resolve) => {
      this.server!.listen(0, '127.0.0.1', () => {
        const addr = this.server!.address();
        resolve(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
