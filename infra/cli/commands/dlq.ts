/**
 * `feltfit dlq list | show ID | redrive (ID | --all)`: the failure queues — on-failure destinations of
 * asynchronously invoked functions, dead-letter queues of rule targets and schedules, the stream
 * mappings' on-failure queues — with what is in them, and a redrive that re-invokes the function that
 * failed with the original event (for a stream mapping's give-up: the records it points to, read
 * back from the stream) and deletes the message once that invocation succeeded.
 *
 * Target: the local runtime (`${FELTFIT_DATA_DIR:-.feltfit}/runtime.json`: its queue folder and Lambda
 * endpoint), or with `--aws` the SQS queues named `feltfit-failed-*` of the account and region of the
 * AWS SDK's default credentials.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type _Record,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { LocalQueueStore } from '../../local/async-invoke.js';
import { matchesPattern } from '../../local/event-pattern.js';
import {
  command,
  group,
  JSON_OPTION,
  parseCommand,
  parseGroup,
  type Selected,
  selectCommand,
} from '../args.js';
import { reportUnexpected } from '../errors.js';

/** Prefix of the failure queues' names (infra/constructs/observability.ts FAILURE_QUEUE_PREFIX). */
const PREFIX = 'feltfit-failed-';

const COMMON = {
  queue: {
    type: 'string',
    value: 'Q',
    describe: 'one failure queue (feltfit-failed-…; the prefix may be left out)',
  },
  aws: { type: 'boolean', describe: "SQS and Lambda in the default region instead of the local runtime's" },
} as const;

const DETAILS = `Without --aws: the local runtime (\${FELTFIT_DATA_DIR:-.feltfit}/runtime.json); with --aws: SQS and
Lambda in the SDK's region (AWS_REGION).`;

/** `feltfit dlq`: its subcommands, options and examples (the help is generated from them). */
export const DLQ = group({
  name: 'dlq',
  summary: 'List, show and redrive failed events (the failure and dead-letter queues).',
  defaultCommand: 'list',
  details: DETAILS,
  commands: {
    list: command({
      name: 'dlq list',
      summary: 'the failure queues and how many messages each holds; with --queue, its messages',
      options: {
        limit: { type: 'string', value: 'N', describe: 'at most N messages, 1..1000 (default 50)' },
        ...JSON_OPTION,
        ...COMMON,
      },
      examples: ['npx feltfit dlq list', 'npx feltfit dlq list --queue start-journey --json'],
      details: DETAILS,
    }),
    show: command({
      name: 'dlq show',
      summary: 'one message as JSON: the failed event, the function or target, the error',
      args: 'ID',
      minArgs: 1,
      options: COMMON,
      examples: ['npx feltfit dlq show 3f1c2a9e-8d7b-4e65-a1f0-5b2c9d8e7a61 --queue start-journey'],
      details: `ID is what \`feltfit dlq list --queue Q\` prints. ${DETAILS}`,
    }),
    redrive: command({
      name: 'dlq redrive',
      summary: 'invoke the function that failed with the original event; delete the message when it succeeds',
      args: '[ID]',
      maxArgs: 1,
      options: {
        all: {
          type: 'boolean',
          describe: 'every message (of --queue, else of every queue) instead of one ID',
        },
        function: {
          type: 'string',
          value: 'F',
          describe: 'with --all: only messages whose function name contains F',
        },
        ...COMMON,
      },
      examples: ['npx feltfit dlq redrive --all --queue start-journey'],
      details: `A rule's or schedule's target is invoked with the event it could not deliver; a stream mapping's
function with the records its give-up points to, read back from the stream. ${DETAILS}`,
    }),
  },
});

/** Where the CLI writes and what it reads; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** A message in a failure queue. */
export interface FailedMessage {
  readonly id: string;
  readonly queue: string;
  readonly sentAt?: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** SQS receipt handle, while the message is held for a redrive. */
  readonly handle?: string;
}

/** The outcome of re-invoking a function. */
export type InvokeOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Where failure queues live: the local runtime's store, or SQS and Lambda in AWS. */
export interface DlqBackend {
  queues(): Promise<{ readonly name: string; readonly count: number }[]>;
  /** Up to `limit` messages of a queue, left in it (and visible again at once). */
  peek(queue: string, limit: number): Promise<FailedMessage[]>;
  /** Up to `limit` messages of a queue, held (invisible to others) until deleted or released. */
  take(queue: string, limit: number): Promise<FailedMessage[]>;
  delete(message: FailedMessage): Promise<void>;
  release(messages: readonly FailedMessage[]): Promise<void>;
  /** Invokes a function synchronously with a payload. */
  invoke(functionArn: string, payload: unknown): Promise<InvokeOutcome>;
  /** The records a stream mapping's give-up points to that its filter lets through, read back from the stream. */
  streamRecords(functionArn: string, batch: StreamBatch): Promise<unknown[]>;
  close(): void;
}

/** Where a stream mapping's give-up lies on the stream (Lambda's `DDBStreamBatchInfo`). */
export interface StreamBatch {
  readonly streamArn: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
}

/** What a failure-queue message says failed, and whether it can be redriven. */
export type FailureDescription =
  | {
      readonly kind: 'invocation-record' | 'undelivered-event';
      readonly target: string;
      readonly payload: unknown;
      readonly error: string;
      readonly condition?: string;
    }
  | {
      readonly kind: 'stream-batch';
      readonly target: string;
      readonly batch: StreamBatch;
      readonly error: string;
      readonly condition?: string;
    }
  | { readonly kind: 'unknown'; readonly reason: string };

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Reads a message: a Lambda invocation record (on-failure destination), an event a rule or schedule
 * could not deliver (its target in TARGET_ARN), or a stream mapping's give-up (the function and the
 * shard and sequence-number range of the records: they are replayed from the stream).
 */
export function describeFailure(message: FailedMessage): FailureDescription {
  const body = parseJson(message.body) as Record<string, unknown> | undefined;
  const ctx = body?.requestContext as { functionArn?: unknown; condition?: unknown } | undefined;
  const condition = typeof ctx?.condition === 'string' ? { condition: ctx.condition } : {};
  const batch = StreamBatchInfo.safeParse(body?.DDBStreamBatchInfo);
  if (body && typeof ctx?.functionArn === 'string' && batch.success) {
    return {
      kind: 'stream-batch',
      target: ctx.functionArn,
      batch: batch.data,
      error: String(ctx.condition ?? 'records not processed'),
      ...condition,
    };
  }
  if (body && typeof ctx?.functionArn === 'string' && 'requestPayload' in body) {
    const response = body.responsePayload as { errorType?: unknown; errorMessage?: unknown } | undefined;
    return {
      kind: 'invocation-record',
      target: ctx.functionArn,
      payload: body.requestPayload,
      error: String(response?.errorType ?? 'unknown error'),
      ...condition,
    };
  }
  const target = message.attributes.TARGET_ARN;
  if (target && /:lambda:[^:]*:[^:]*:function:/.test(target) && body !== undefined) {
    return {
      kind: 'undelivered-event',
      target,
      payload: body,
      error: message.attributes.ERROR_CODE ?? 'delivery failed',
      ...(message.attributes.EXHAUSTED_RETRY_CONDITION
        ? { condition: message.attributes.EXHAUSTED_RETRY_CONDITION }
        : {}),
    };
  }
  return {
    kind: 'unknown',
    reason: 'neither an invocation record, a stream batch pointer nor an event with a Lambda TARGET_ARN',
  };
}

const StreamBatchInfo = z.object({
  streamArn: z.string().min(1),
  shardId: z.string().min(1),
  startSequenceNumber: z.string().regex(/^\d+$/),
  endSequenceNumber: z.string().regex(/^\d+$/),
  batchSize: z.number().int().min(1),
});

/**
 * Reads a give-up's records back from the stream (AT_SEQUENCE_NUMBER the first, up to the last) and
 * keeps those the mapping's filter criteria let through, as Lambda delivered them. Fails when the
 * records are gone (DynamoDB streams keep 24 h): then only the tables themselves are left.
 */
export async function readStreamBatch(
  streams: DynamoDBStreamsClient,
  lambda: LambdaClient,
  functionArn: string,
  batch: StreamBatch,
): Promise<unknown[]> {
  const mappings = await lambda.send(
    new ListEventSourceMappingsCommand({ FunctionName: functionArn, EventSourceArn: batch.streamArn }),
  );
  const patterns = (mappings.EventSourceMappings?.[0]?.FilterCriteria?.Filters ?? []).map(
    (f) => JSON.parse(f.Pattern ?? '{}') as Record<string, unknown>,
  );
  const end = BigInt(batch.endSequenceNumber);
  let iterator = (
    await streams.send(
      new GetShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    )
  ).ShardIterator;
  const records: _Record[] = [];
  let done = false;
  while (iterator && !done) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    for (const r of page.Records ?? []) {
      if (BigInt(r.dynamodb?.SequenceNumber ?? '0') > end) {
        done = true;
        break;
      }
      records.push(r);
    }
    // An open shard hands out iterators forever: an empty page is its end for now.
    if (!page.Records?.length) break;
    iterator = page.NextShardIterator;
  }
  if (!records.some((r) => r.dynamodb?.SequenceNumber === batch.endSequenceNumber))
    throw new Error(
      `the records of shard ${batch.shardId} up to ${batch.endSequenceNumber} are no longer on the stream`,
    );
  return records
    .filter(
      (r) =>
        patterns.length === 0 ||
        patterns.some((p) => matchesPattern(r as unknown as Record<string, unknown>, p)),
    )
    .map((r) => {
      const at = r.dynamodb?.ApproximateCreationDateTime;
      // As Lambda hands stream records over: the source ARN on each, the time in epoch seconds.
      return {
        ...r,
        eventSourceARN: batch.streamArn,
        dynamodb: { ...r.dynamodb, ...(at ? { ApproximateCreationDateTime: at.getTime() / 1000 } : {}) },
      };
    });
}

const QueueName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'a queue name is letters, digits, - and _')
  .transform((q) => (q.startsWith(PREFIX) ? q : `${PREFIX}${q}`));
const MessageId = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a message id is letters, digits and -');

/** The command line, validated. */
const Args = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('list'),
    queue: QueueName.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    json: z.boolean(),
    aws: z.boolean(),
  }),
  z.object({ command: z.literal('show'), id: MessageId, queue: QueueName.optional(), aws: z.boolean() }),
  z
    .object({
      command: z.literal('redrive'),
      id: MessageId.optional(),
      all: z.boolean(),
      function: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,140}$/, 'a function name is letters, digits, -, _ and .')
        .optional(),
      queue: QueueName.optional(),
      aws: z.boolean(),
    })
    .refine((a) => Boolean(a.id) !== a.all, 'redrive takes a message ID or --all, not both')
    .refine((a) => !a.function || a.all, '--function goes with --all'),
]);
type Args = z.infer<typeof Args>;

/** Raised for a command line that does not parse; the message says what is wrong. */
export class DlqUsageError extends Error {
  override readonly name = 'DlqUsageError';
}

/** Validates a parsed `dlq` command line (queue and message names, which options go together). */
function toArgs(line: Selected<(typeof DLQ)['commands']>): Args {
  const [id] = line.positionals;
  const raw = {
    command: line.name,
    aws: false,
    ...(line.name === 'list' ? { json: false } : {}),
    ...(line.name === 'redrive' ? { all: false } : {}),
    ...line.values,
    ...(id !== undefined ? { id } : {}),
  };
  const parsed = Args.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new DlqUsageError(
      `feltfit dlq ${line.name}: ${where}${issue.message} (see feltfit dlq ${line.name} --help)`,
    );
  }
  return parsed.data;
}

/** Parses the arguments after `dlq`; throws ArgsError or DlqUsageError saying what is wrong. */
export function parseArgs(args: readonly string[]): Args {
  const selected = selectCommand(DLQ, args);
  if (selected.help) throw new DlqUsageError('--help asks for the help, not a command to run');
  const spec = DLQ.commands[selected.name as keyof (typeof DLQ)['commands']];
  const line = parseCommand(spec, selected.rest);
  if (line.help) throw new DlqUsageError('--help asks for the help, not a command to run');
  return toArgs({
    name: selected.name,
    values: line.values,
    positionals: line.positionals,
  } as Selected<(typeof DLQ)['commands']>);
}

/** The local runtime's queue store and Lambda endpoint. */
export async function localBackend(env: Record<string, string | undefined>): Promise<DlqBackend> {
  const dataDir = env.FELTFIT_DATA_DIR ?? '.feltfit';
  let runtime: { queuesDir?: unknown; lambdaEndpoint?: unknown; dynamodbEndpoint?: unknown } = {};
  try {
    runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as typeof runtime;
  } catch {
    // Listing and showing work without a running runtime; a redrive says what it needs.
  }
  const store = new LocalQueueStore(
    typeof runtime.queuesDir === 'string' ? runtime.queuesDir : join(dataDir, 'queues'),
  );
  const endpoint = typeof runtime.lambdaEndpoint === 'string' ? runtime.lambdaEndpoint : undefined;
  const dynamodbEndpoint =
    typeof runtime.dynamodbEndpoint === 'string' ? runtime.dynamodbEndpoint : undefined;
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  let lambda: LambdaClient | undefined;
  let streams: DynamoDBStreamsClient | undefined;
  const lambdaClient = () => {
    if (!endpoint)
      throw new Error(
        `no local Lambda endpoint in ${join(dataDir, 'runtime.json')}: start Feltfit (npm start)`,
      );
    lambda ??= new LambdaClient({ ...local, endpoint });
    return lambda;
  };
  const toMessage = (m: Awaited<ReturnType<LocalQueueStore['messages']>>[number]): FailedMessage => ({
    id: m.messageId,
    queue: m.queue,
    sentAt: m.sentAt,
    body: m.body,
    attributes: m.attributes,
  });
  return {
    queues: () => store.queues(),
    peek: async (queue, limit) => (await store.messages(queue, limit)).map(toMessage),
    take: async (queue, limit) => (await store.messages(queue, limit)).map(toMessage),
    delete: async (m) => {
      await store.delete(m.queue, m.id);
    },
    release: async () => undefined,
    invoke: async (functionArn, payload) => invokeWith(lambdaClient(), functionArn, payload),
    streamRecords: async (functionArn, batch) => {
      if (!dynamodbEndpoint)
        throw new Error(
          `no DynamoDB endpoint in ${join(dataDir, 'runtime.json')}: start Feltfit (npm start)`,
        );
      streams ??= new DynamoDBStreamsClient({ ...local, endpoint: dynamodbEndpoint });
      return readStreamBatch(streams, lambdaClient(), functionArn, batch);
    },
    close: () => {
      lambda?.destroy();
      streams?.destroy();
    },
  };
}

async function invokeWith(
  lambda: LambdaClient,
  functionArn: string,
  payload: unknown,
): Promise<InvokeOutcome> {
  const res = await lambda.send(
    new InvokeCommand({
      FunctionName: functionArn,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const answer = parseJson(new TextDecoder().decode(res.Payload ?? new Uint8Array())) as
    | { errorType?: unknown; batchItemFailures?: unknown }
    | undefined;
  if (res.FunctionError) return { ok: false, error: String(answer?.errorType ?? res.FunctionError) };
  // A stream handler reports the records it could not process instead of failing whole.
  const failures = Array.isArray(answer?.batchItemFailures) ? answer.batchItemFailures.length : 0;
  return failures ? { ok: false, error: `${failures} batch item failure(s)` } : { ok: true };
}

/** How long a message taken for a redrive stays invisible: Lambda's longest timeout and a minute. */
const REDRIVE_VISIBILITY_S = 960;

/** SQS, Lambda and DynamoDB Streams in AWS; queues are those named `feltfit-failed-*`. */
export function awsBackend(
  sqs: SQSClient,
  lambda: LambdaClient,
  streams: DynamoDBStreamsClient = new DynamoDBStreamsClient({}),
): DlqBackend {
  const urls = new Map<string, string>();
  const urlOf = async (queue: string) => {
    let url = urls.get(queue);
    if (!url) {
      url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queue }))).QueueUrl!;
      urls.set(queue, url);
    }
    return url;
  };
  const receive = async (queue: string, limit: number, visibility: number) => {
    const url = await urlOf(queue);
    const seen = new Map<string, FailedMessage>();
    // SQS returns a sample of the queue per call: keep asking until a call brings nothing new.
    while (seen.size < limit) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, limit - seen.size),
          VisibilityTimeout: visibility,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      const fresh = (res.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) {
        const sent = Number(m.Attributes?.SentTimestamp);
        seen.set(m.MessageId!, {
          id: m.MessageId!,
          queue,
          ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
          body: m.Body ?? '',
          attributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue ?? '')]),
          ),
          handle: m.ReceiptHandle!,
        });
      }
    }
    return [...seen.values()];
  };
  const release = async (messages: readonly FailedMessage[]) => {
    const byQueue = new Map<string, FailedMessage[]>();
    for (const m of messages) if (m.handle) byQueue.set(m.queue, [...(byQueue.get(m.queue) ?? []), m]);
    for (const [queue, ms] of byQueue) {
      const url = await urlOf(queue);
      for (let i = 0; i < ms.length; i += 10) {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: ms.slice(i, i + 10).map((m, j) => ({
              Id: String(i + j),
              ReceiptHandle: m.handle!,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    }
  };
  return {
    queues: async () => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const res = await sqs.send(
          new ListQueuesCommand({
            QueueNamePrefix: PREFIX,
            MaxResults: 1000,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const url of res.QueueUrls ?? []) {
          const name = url.split('/').pop()!;
          urls.set(name, url);
          names.push(name);
        }
        token = res.NextToken;
      } while (token);
      const out: { name: string; count: number }[] = [];
      for (const name of names.sort()) {
        const attrs = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: urls.get(name)!,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const a = attrs.Attributes ?? {};
        out.push({
          name,
          count:
            Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        });
      }
      return out;
    },
    peek: async (queue, limit) => {
      const ms = await receive(queue, limit, 30);
      await release(ms);
      return ms;
    },
    take: (queue, limit) => receive(queue, limit, REDRIVE_VISIBILITY_S),
    delete: async (m) => {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: await urlOf(m.queue), ReceiptHandle: m.handle! }));
    },
    release,
    invoke: (functionArn, payload) => invokeWith(lambda, functionArn, payload),
    streamRecords: (functionArn, batch) => readStreamBatch(streams, lambda, functionArn, batch),
    close: () => {
      sqs.destroy();
      lambda.destroy();
      streams.destroy();
    },
  };
}

const MAX_SCAN = 1000;

/** Runs the `dlq` command group against a backend; returns the exit code. */
export async function runWith(args: Args, backend: DlqBackend, io: Io): Promise<number> {
  const queueNames = async () => (args.queue ? [args.queue] : (await backend.queues()).map((q) => q.name));
  if (args.command === 'list') {
    if (!args.queue) {
      const queues = await backend.queues();
      if (args.json) io.out(`${JSON.stringify(queues, null, 2)}\n`);
      else if (queues.length === 0) io.out('no failure queues yet\n');
      else for (const q of queues) io.out(`${String(q.count).padStart(6)}  ${q.name}\n`);
      return 0;
    }
    const messages = await backend.peek(args.queue, args.limit);
    if (args.json) {
      io.out(
        `${JSON.stringify(
          messages.map((m) => summary(m)),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    if (messages.length === 0) io.out(`${args.queue} is empty\n`);
    for (const m of messages) {
      const s = summary(m);
      // The error type only: a handler's message may quote personal data (`show` prints it all).
      io.out(`${m.id}  ${m.sentAt ?? ''}  ${s.kind}  ${s.target ?? ''}  ${s.error ?? s.reason ?? ''}\n`);
    }
    return 0;
  }
  if (args.command === 'show') {
    for (const queue of await queueNames()) {
      const found = (await backend.peek(queue, MAX_SCAN)).find((m) => m.id === args.id);
      if (!found) continue;
      const { handle: _handle, ...message } = found;
      io.out(
        `${JSON.stringify({ ...message, body: parseJson(found.body) ?? found.body, failure: describeFailure(found) }, null, 2)}\n`,
      );
      return 0;
    }
    io.err(`feltfit dlq: no message ${args.id}${args.queue ? ` in ${args.queue}` : ''}\n`);
    return 1;
  }
  // redrive
  let redriven = 0;
  let failed = 0;
  let found = false;
  for (const queue of await queueNames()) {
    const taken = await backend.take(queue, MAX_SCAN);
    const fnFilter = args.function;
    const chosen = args.all
      ? taken.filter((m) => {
          if (!fnFilter) return true;
          const d = describeFailure(m);
          return 'target' in d && functionName(d.target).includes(fnFilter);
        })
      : taken.filter((m) => m.id === args.id);
    await backend.release(taken.filter((m) => !chosen.includes(m)));
    for (const m of chosen) {
      found = true;
      const d = describeFailure(m);
      if (!('target' in d)) {
        io.err(`skipped ${m.id} (${queue}): ${d.reason}\n`);
        await backend.release([m]);
        failed++;
        continue;
      }
      let payload: unknown;
      try {
        payload =
          d.kind === 'stream-batch' ? { Records: await backend.streamRecords(d.target, d.batch) } : d.payload;
      } catch (err) {
        await backend.release([m]);
        failed++;
        io.err(
          `failed ${m.id} (${queue}): ${err instanceof Error ? err.message : String(err)}; left in the queue\n`,
        );
        continue;
      }
      const outcome = await backend.invoke(d.target, payload);
      if (outcome.ok) {
        await backend.delete(m);
        redriven++;
        io.out(`redriven ${m.id} (${queue} → ${functionName(d.target)})\n`);
      } else {
        await backend.release([m]);
        failed++;
        io.err(
          `failed ${m.id} (${queue} → ${functionName(d.target)}): ${outcome.error}; left in the queue\n`,
        );
      }
    }
    if (found && !args.all) break;
  }
  if (!found && !args.all) {
    io.err(`feltfit dlq: no message ${args.id}${args.queue ? ` in ${args.queue}` : ''}\n`);
    return 1;
  }
  io.out(`${redriven} redriven, ${failed} left in the queues\n`);
  return failed > 0 ? 1 : 0;
}

const functionName = (arn: string) => arn.replace(/^.*:function:/, '').replace(/:.*$/, '');

function summary(m: FailedMessage): {
  id: string;
  queue: string;
  sentAt?: string;
  kind: string;
  target?: string;
  error?: string;
  reason?: string;
} {
  const d = describeFailure(m);
  return {
    id: m.id,
    queue: m.queue,
    ...(m.sentAt ? { sentAt: m.sentAt } : {}),
    kind: d.kind,
    ...('target' in d ? { target: functionName(d.target), error: d.error } : { reason: d.reason }),
  };
}

/** Runs the `dlq` command group; returns the exit code. */
export async function run(
  args: string[],
  io: Io = processIo,
  backends: {
    local?: (env: Io['env']) => Promise<DlqBackend>;
    aws?: () => DlqBackend;
  } = {},
): Promise<number> {
  const line = parseGroup(DLQ, args, io);
  if (typeof line === 'number') return line;
  let parsed: Args;
  try {
    parsed = toArgs(line);
  } catch (err) {
    if (!(err instanceof DlqUsageError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  const backend = parsed.aws
    ? (backends.aws ?? (() => awsBackend(new SQSClient({}), new LambdaClient({}))))()
    : await (backends.local ?? localBackend)(io.env);
  try {
    return await runWith(parsed, backend, io);
  } catch (err) {
    return reportUnexpected(`dlq ${parsed.command}`, err, io);
  } finally {
    backend.close();
  }
}
