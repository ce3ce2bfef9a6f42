/**
 * `feltfit run`: starts a campaign run — the `feltfit-campaign-run` state machine with the input
 * documented in docs/journeys.md ("Campaign runs") — and, with --wait, follows it to the end.
 *
 * State machine: --state-machine ARN, else FELTFIT_CAMPAIGN_STATE_MACHINE (AWS credentials and
 * region from the environment), else the local runtime's `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json`.
 * Before anything starts, the run is checked exactly as the console's `POST /admin/campaigns` checks it
 * (shared/domain/campaigns launchRun): the input, a deployed campaign journey, approved content for a
 * one-message run, a saved audience that resolves, the start time in its time zone. Mistakes exit 2
 * with one line per field. The run record goes to the journeys table, so the console lists the run.
 * Tables: FELTFIT_JOURNEYS_TABLE and FELTFIT_CONTENT_TABLE, else the local runtime's; journeys:
 * FELTFIT_JOURNEYS_CONFIG (JSON, as the functions' JOURNEYS_CONFIG), else the local runtime's deployed
 * ones (runtime.json), else the catalogue.
 */
import { readFile } from 'node:fs/promises';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbAudienceStore, DynamoDbRunStore } from '../../../shared/adapters/dynamodb/campaign-store.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbContentStore } from '../../../shared/adapters/dynamodb/content-store.js';
import {
  ContentVariantCatalogue,
  DynamoDbBriefSteps,
} from '../../../shared/adapters/journey-ports/variant-catalogue.js';
import { StepFunctionsRunExecutions } from '../../../shared/adapters/sfn/campaign-executions.js';
import { parseJourneysConfigEnv } from '../../../shared/config/journeys.js';
import { launchRun } from '../../../shared/domain/campaigns/runs.js';
import { ClientError } from '../../../shared/domain/errors.js';
import { ArgsError, command, commandHelp, JSON_OPTION, parseCommand } from '../args.js';
import { CliError, checkArn } from '../errors.js';
import { readRuntimeFile, resolveTable, TargetNotFoundError } from '../target.js';

const STATE_MACHINE = 'feltfit-campaign-run';

/** `feltfit run`: options and examples (the help is generated from them). */
export const RUN = command({
  name: 'run',
  summary: `Starts a campaign run: the journey (one whose trigger is a campaign, e.g. loyalty-referral), or one
message (e.g. email:spring-launch, approved variants of that content intent), for every profile in
the audience, at most --rate people a second.`,
  options: {
    journey: { type: 'string', value: 'ID', describe: 'the campaign journey to run' },
    message: { type: 'string', value: 'CHANNEL:INTENT', describe: 'one message instead of a journey' },
    audience: {
      type: 'string',
      value: 'JSON',
      describe:
        '{"all":[{"source":"features","path":"ordersCount","op":"gte","value":2}],"any":[…]} (sources: traits, features, scores)',
    },
    'audience-id': { type: 'string', value: 'ID', describe: 'a saved audience (console: Audiences) instead' },
    start: {
      type: 'string',
      value: 'TIME',
      describe: 'begin at this time: ISO with an offset, or YYYY-MM-DDTHH:MM with --time-zone',
    },
    'time-zone': {
      type: 'string',
      value: 'ZONE',
      describe: 'IANA time zone of a local --start (e.g. Europe/Berlin)',
    },
    rate: { type: 'string', value: 'N', describe: 'people per second (default 10)' },
    'page-size': { type: 'string', value: 'N', describe: 'profiles read per page (default 100)' },
    'run-id': {
      type: 'string',
      value: 'ID',
      describe: 'names the run (a run id is used once; default: the execution name)',
    },
    input: {
      type: 'string',
      value: 'FILE|-',
      describe: 'the whole state machine input as JSON instead of the flags above',
    },
    'state-machine': {
      type: 'string',
      value: 'ARN',
      describe:
        'the campaign-run state machine (else FELTFIT_CAMPAIGN_STATE_MACHINE, else the local runtime)',
    },
    wait: { type: 'boolean', describe: 'follow the run until it ends and print its totals' },
    ...JSON_OPTION,
  },
  examples: [
    'npx feltfit run --input examples/run.json --wait',
    'npx feltfit run --message email:bestsellers --audience \'{"all":[{"source":"features","path":"ordersCount","op":"gte","value":2}]}\' --rate 50',
  ],
  details: `Ops in an audience: eq neq gt gte lt lte exists notExists in. Tables: FELTFIT_JOURNEYS_TABLE and
FELTFIT_CONTENT_TABLE, else the local runtime's; in AWS the SDK's region (AWS_REGION), else the
state machine ARN's.`,
});

/** Where the CLI writes and what it talks to; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
  readonly sfn?: (endpoint: string | undefined) => Pick<SFNClient, 'send'>;
  readonly sleep?: (ms: number) => Promise<void>;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

class UsageError extends Error {}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not JSON`);
  }
}

async function inputFrom(
  args: string[],
): Promise<{ input: unknown; wait: boolean; json: boolean; arn?: string } | 'help'> {
  const parsed = parseCommand(RUN, args);
  if (parsed.help) return 'help';
  const v = parsed.values;
  const input: Record<string, unknown> = {};
  if (v.journey !== undefined) input.journey = v.journey;
  if (v.message !== undefined) {
    const [channel, intent, ...rest] = v.message.split(':');
    if (!channel || !intent || rest.length) throw new UsageError('--message is CHANNEL:INTENT');
    input.message = { channel, intent };
  }
  if (v.audience !== undefined) input.audience = parseJson(v.audience, '--audience');
  if (v['audience-id'] !== undefined) input.audienceId = v['audience-id'];
  if (v.start !== undefined) input.startAt = v.start;
  if (v['time-zone'] !== undefined) input.timeZone = v['time-zone'];
  if (v.rate !== undefined) input.ratePerSecond = Number(v.rate);
  if (v['page-size'] !== undefined) input.pageSize = Number(v['page-size']);
  if (v['run-id'] !== undefined) input.runId = v['run-id'];
  const wait = v.wait === true;
  const json = v.json === true;
  const arn = v['state-machine'];
  const file = v.input;
  if (file !== undefined) {
    if (Object.keys(input).length > 0)
      throw new UsageError('--input replaces the run flags: use one or the other');
    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) throw new UsageError(`cannot read ${file}`);
    return { input: parseJson(text, file), wait, json, ...(arn ? { arn } : {}) };
  }
  return { input, wait, json, ...(arn ? { arn } : {}) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function target(
  io: Io,
  arn: string | undefined,
): Promise<{ arn: string; endpoint?: string; region?: string }> {
  const fromEnv = arn ?? io.env.FELTFIT_CAMPAIGN_STATE_MACHINE;
  // A placeholder ARN copied from the docs says so here, not as an SDK error after the checks.
  if (fromEnv)
    return {
      arn: fromEnv,
      region: checkArn(fromEnv, arn ? '--state-machine' : 'FELTFIT_CAMPAIGN_STATE_MACHINE'),
    };
  const runtime = await readRuntimeFile(
    io.env,
    'no campaign-run state machine: pass --state-machine ARN, set FELTFIT_CAMPAIGN_STATE_MACHINE',
  );
  const local = runtime.stateMachines[STATE_MACHINE];
  if (!local || !runtime.sfnEndpoint) {
    throw new TargetNotFoundError(`${runtime.file} names no ${STATE_MACHINE} state machine`);
  }
  return { arn: local, endpoint: runtime.sfnEndpoint };
}

type TableAt = { readonly tableName: string; readonly endpoint?: string };

/** Step Functions in AWS (in the state machine's region), or the local runtime's (any region and credentials). */
function sfnClient(endpoint: string | undefined, region?: string): SFNClient {
  return endpoint
    ? new SFNClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new SFNClient(region ? { region } : {});
}

/** Runs `feltfit run`; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  let parsed: Exclude<Awaited<ReturnType<typeof inputFrom>>, 'help'>;
  try {
    const line = await inputFrom(args);
    if (line === 'help') {
      io.out(commandHelp(RUN));
      return 0;
    }
    parsed = line;
  } catch (err) {
    if (err instanceof ArgsError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (!(err instanceof UsageError)) throw err;
    io.err(`feltfit run: ${err.message} (see feltfit run --help)\n`);
    return 2;
  }
  let where: { arn: string; endpoint?: string; region?: string };
  let tables: { journeys: TableAt; content: TableAt };
  try {
    where = await target(io, parsed.arn);
    tables = {
      journeys: await resolveTable(undefined, io.env, 'JOURNEYS_TABLE', 'journeys'),
      content: await resolveTable(undefined, io.env, 'CONTENT_TABLE', 'content'),
    };
  } catch (err) {
    if (!(err instanceof TargetNotFoundError || err instanceof CliError)) throw err;
    io.err(`feltfit run: ${err.message}\n`);
    return 2;
  }
  let journeys: ReturnType<typeof parseJourneysConfigEnv>['journeys'];
  try {
    // Locally the runtime names what it deployed (a custom configuration file changes the journeys).
    const deployed =
      io.env.FELTFIT_JOURNEYS_CONFIG ??
      (where.endpoint ? (await readRuntimeFile(io.env, 'no runtime.json')).journeysConfig : undefined);
    journeys = parseJourneysConfigEnv({ JOURNEYS_CONFIG: deployed }).journeys;
  } catch (err) {
    io.err(`feltfit run: FELTFIT_JOURNEYS_CONFIG: ${(err as Error).message}\n`);
    return 2;
  }
  const client = io.sfn ? io.sfn(where.endpoint) : sfnClient(where.endpoint, where.region);
  const db = (t: TableAt) =>
    documentClient(
      t.endpoint
        ? {
            endpoint: t.endpoint,
            region: io.env.AWS_REGION ?? 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {},
    );
  const journeysTable = { client: db(tables.journeys), tableName: tables.journeys.tableName };
  const contentClient = db(tables.content);
  let executionArn: string;
  try {
    const record = await launchRun(
      {
        journeys,
        variants: new ContentVariantCatalogue({
          store: new DynamoDbContentStore({ client: contentClient, tableName: tables.content.tableName }),
          briefs: new DynamoDbBriefSteps({ client: contentClient, tableName: tables.content.tableName }),
          ttlMs: 0,
        }),
        audiences: new DynamoDbAudienceStore(journeysTable),
        runs: new DynamoDbRunStore(journeysTable),
        executions: new StepFunctionsRunExecutions({ client, stateMachineArn: where.arn }),
        now: () => new Date(),
      },
      parsed.input,
      io.env.USER ? `cli:${io.env.USER}` : 'cli',
    );
    executionArn = record.executionArn;
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    const issues = (err.details.issues as { path: string[]; message: string }[] | undefined) ?? [];
    if (issues.length === 0) io.err(`feltfit run: ${err.message}\n`);
    for (const issue of issues) io.err(`feltfit run: ${issue.path.join('.') || 'input'}: ${issue.message}\n`);
    return err.code === 'run_exists' ? 1 : 2;
  }
  if (!parsed.wait) {
    io.out(parsed.json ? `${JSON.stringify({ executionArn })}\n` : `started ${executionArn}\n`);
    return 0;
  }
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') {
      const output = d.output ? (JSON.parse(d.output) as { totals?: Record<string, number> }) : undefined;
      if (parsed.json) {
        io.out(
          `${JSON.stringify({ executionArn, status: d.status, totals: output?.totals, error: d.error, cause: d.cause })}\n`,
        );
      } else if (d.status === 'SUCCEEDED') {
        const t = output?.totals ?? {};
        io.out(
          `${executionArn}: SUCCEEDED — ${t.requested ?? 0} people requested of ${t.scanned ?? 0} profiles scanned in ${t.pages ?? 0} pages\n`,
        );
      } else {
        io.out(
          `${executionArn}: ${d.status}${d.error ? ` ${d.error}` : ''}${d.cause ? `: ${d.cause}` : ''}\n`,
        );
      }
      return d.status === 'SUCCEEDED' ? 0 : 1;
    }
    await sleep(500);
  }
}
