/**
 * `feltfit profiles get|export|erase`: the privacy operations of the admin API, from a terminal.
 *
 * Tables: `--profiles-table`, `--events-table`, `--control-table`, else FELTFIT_PROFILES_TABLE,
 * FELTFIT_EVENTS_TABLE, FELTFIT_CONTROL_TABLE (endpoint: AWS_ENDPOINT_URL_DYNAMODB or the SDK's normal
 * resolution); any left unnamed come from the local runtime's `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json`
 * with its DynamoDB Local endpoint. Identifiers are hashed with the projector's keyring
 * (FELTFIT_IDENTITY_HMAC_KEY, else the local runtime's key: infra/cli/hash-key.ts) and normalised with
 * FELTFIT_PROFILES_CONFIG when the deployment sets it.
 */
import { writeFile } from 'node:fs/promises';
import { SFNClient } from '@aws-sdk/client-sfn';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { laterLayerHolders } from '../../../shared/adapters/dynamodb/privacy-indexed-holder.js';
import { dynamoDbPrivacyJobDeps } from '../../../shared/adapters/dynamodb/privacy-job-wiring.js';
import { dynamoDbPrivacyDeps, type PrivacyDeps } from '../../../shared/adapters/dynamodb/privacy-wiring.js';
import { StepFunctionsPrivacyJobRunner } from '../../../shared/adapters/sfn/privacy-job-runner.js';
import { parsePrivacyConfig } from '../../../shared/config/privacy.js';
import { parseProfilesConfig } from '../../../shared/config/profiles.js';
import { ClientError } from '../../../shared/domain/errors.js';
import {
  type PrivacyJobDeps,
  readExportResult,
  runPrivacyJobInline,
  startPrivacyJob,
} from '../../../shared/domain/privacy/jobs.js';
import {
  findProfileView,
  getProfileView,
  type ProfileView,
  parseLookupQuery,
  parseProfileId,
} from '../../../shared/domain/privacy/operations.js';
import type { PrivacyJob, PrivacyJobRunner } from '../../../shared/ports/privacy-jobs.js';
import { command, group, JSON_OPTION, parseGroup, type Selected } from '../args.js';
import { reportUnexpected } from '../errors.js';
import { resolveHasher } from '../hash-key.js';
import { readRuntimeFile, TargetNotFoundError } from '../target.js';

/** The table options every privacy command accepts. */
export const TABLE_OPTIONS = {
  'profiles-table': { type: 'string', value: 'NAME', describe: 'else FELTFIT_PROFILES_TABLE' },
  'events-table': { type: 'string', value: 'NAME', describe: 'else FELTFIT_EVENTS_TABLE' },
  'control-table': { type: 'string', value: 'NAME', describe: 'else FELTFIT_CONTROL_TABLE' },
} as const;

/** Where the privacy commands find their tables, for their help. */
export const TABLES_DETAIL = `Tables left unnamed come from the local runtime's \${FELTFIT_DATA_DIR:-.feltfit}/runtime.json.`;

const WAIT = {
  'no-wait': {
    type: 'boolean',
    describe: 'print the job id instead of following it (status: GET /admin/privacy-jobs/{jobId})',
  },
} as const;

/** `feltfit profiles`: its subcommands, options and examples (the help is generated from them). */
export const PROFILES = group({
  name: 'profiles',
  summary: "Look up, export and erase a person's data (the admin API's privacy operations).",
  details: `export and erase run as a privacy job and show its progress until it ends. ${TABLES_DETAIL}`,
  commands: {
    get: command({
      name: 'profiles get',
      summary: 'the live profile (merges followed), by id or by an identifier',
      args: '[PROFILE_ID]',
      maxArgs: 1,
      options: {
        type: {
          type: 'string',
          value: 'TYPE',
          describe: 'with --value, look up by identifier: userId, anonymousId, email, phone, deviceId',
        },
        value: { type: 'string', value: 'VALUE', describe: 'the identifier' },
        ...JSON_OPTION,
        ...TABLE_OPTIONS,
      },
      examples: ['npx feltfit profiles get --type email --value ada@example.com'],
      details: TABLES_DETAIL,
    }),
    export: command({
      name: 'profiles export',
      summary: 'everything held about the person, as one JSON document',
      args: 'PROFILE_ID',
      minArgs: 1,
      options: {
        out: { type: 'string', value: 'FILE', describe: 'write it to FILE (mode 0600) instead of stdout' },
        ...WAIT,
        ...TABLE_OPTIONS,
      },
      examples: ['npx feltfit profiles export p_0123456789abcdef --out ada.json'],
      details: `PROFILE_ID is what \`feltfit profiles get\` prints. ${TABLES_DETAIL}`,
    }),
    erase: command({
      name: 'profiles erase',
      summary: 'delete everything held about the person and tombstone its identifiers (cannot be undone)',
      args: 'PROFILE_ID',
      minArgs: 1,
      options: { yes: { type: 'boolean', describe: 'confirm' }, ...WAIT, ...TABLE_OPTIONS },
      examples: ['npx feltfit profiles erase p_0123456789abcdef --yes'],
      details: `PROFILE_ID is what \`feltfit profiles get\` prints. ${TABLES_DETAIL}`,
    }),
  },
});

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
}

/** The process's stdout, stderr and environment. */
export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** Raised when the tables cannot be found. */
export { TargetNotFoundError };

/** Raised for a malformed command line (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Builds the privacy dependencies from flags, FELTFIT_* variables or the local runtime's file. */
export async function privacyDepsFor(
  options: { readonly [K in keyof typeof TABLE_OPTIONS]?: string },
  env: Io['env'],
): Promise<PrivacyDeps & { readonly jobSteps: PrivacyJobDeps; readonly runner?: PrivacyJobRunner }> {
  const named = {
    profiles: options['profiles-table'] ?? env.FELTFIT_PROFILES_TABLE,
    events: options['events-table'] ?? env.FELTFIT_EVENTS_TABLE,
    control: options['control-table'] ?? env.FELTFIT_CONTROL_TABLE,
    messages: env.FELTFIT_MESSAGES_TABLE,
    journeys: env.FELTFIT_JOURNEYS_TABLE,
  };
  let endpoint: string | undefined;
  let stateMachineArn = env.FELTFIT_PRIVACY_JOB_STATE_MACHINE_ARN;
  let sfnEndpoint: string | undefined;
  if (!named.profiles || !named.events || !named.control) {
    const runtime = await readRuntimeFile(
      env,
      `no tables: pass --profiles-table, --events-table, --control-table, set FELTFIT_PROFILES_TABLE, FELTFIT_EVENTS_TABLE and FELTFIT_CONTROL_TABLE`,
    );
    named.profiles ??= runtime.env.PROFILES_TABLE;
    named.events ??= runtime.env.EVENTS_TABLE;
    named.control ??= runtime.env.CONTROL_TABLE;
    named.messages ??= runtime.env.MESSAGES_TABLE;
    named.journeys ??= runtime.env.JOURNEYS_TABLE;
    if (!runtime.dynamodbEndpoint || !named.profiles || !named.events || !named.control) {
      throw new TargetNotFoundError(
        `${runtime.file} does not name dynamodbEndpoint and env.PROFILES_TABLE, env.EVENTS_TABLE, env.CONTROL_TABLE`,
      );
    }
    endpoint = runtime.dynamodbEndpoint;
    stateMachineArn ??= runtime.stateMachines['feltfit-privacy-job'];
    sfnEndpoint = runtime.sfnEndpoint;
  }
  const client = documentClient(
    endpoint
      ? {
          endpoint,
          region: env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  const privacy = dynamoDbPrivacyDeps({
    client,
    tables: { profiles: named.profiles, events: named.events, control: named.control },
    extraHolders: laterLayerHolders(client, named),
    profilesConfig: parseProfilesConfig(env.FELTFIT_PROFILES_CONFIG, 'FELTFIT_PROFILES_CONFIG'),
    privacyConfig: parsePrivacyConfig(env.FELTFIT_PRIVACY_CONFIG, 'FELTFIT_PRIVACY_CONFIG'),
    hasher: await resolveHasher(env),
  });
  const sfn = stateMachineArn
    ? new SFNClient(
        sfnEndpoint
          ? {
              endpoint: sfnEndpoint,
              region: env.AWS_REGION ?? 'us-east-1',
              credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
            }
          : {},
      )
    : undefined;
  return {
    ...privacy,
    jobSteps: dynamoDbPrivacyJobDeps(privacy, client, named.control),
    ...(sfn && stateMachineArn
      ? { runner: new StepFunctionsPrivacyJobRunner({ client: sfn, stateMachineArn }) }
      : {}),
  };
}

/** One line of a job's progress (no personal data: holder names and counts). */
function progressLine(job: PrivacyJob): string {
  const holders = job.holders
    .map(
      (h) =>
        `${h.name} ${h.status === 'done' ? `done${h.items !== undefined ? ` (${h.items})` : ''}` : 'pending'}`,
    )
    .join(', ');
  return `${job.kind} ${job.jobId}: ${job.status} — ${holders}\n`;
}

/**
 * Starts the job and follows it: through the privacy-job state machine when one is named (the local
 * runtime's, or FELTFIT_PRIVACY_JOB_STATE_MACHINE_ARN), else by running its steps here.
 */
async function runJob(
  deps: Awaited<ReturnType<typeof privacyDepsFor>>,
  kind: 'erase' | 'export',
  profileId: string,
  io: Io,
  wait: boolean,
): Promise<(PrivacyJob & { finishedBefore?: boolean }) | undefined> {
  const actor = `cli:${io.env.USER ?? io.env.USERNAME ?? 'unknown'}`;
  const inline = !deps.runner;
  const runner: PrivacyJobRunner = deps.runner ?? { start: async () => {} };
  const job = await startPrivacyJob({ ...deps.jobSteps, runner }, kind, profileId, actor);
  if (!wait) {
    io.out(`${job.jobId}\n`);
    return undefined;
  }
  let last = '';
  const show = (j: PrivacyJob) => {
    const line = progressLine(j);
    if (line !== last) io.err(line);
    last = line;
  };
  show(job);
  // Finished before this request (an erasure asked for again): answered as it was.
  if (job.status === 'succeeded' || job.status === 'failed') return { ...job, finishedBefore: true };
  if (inline) return runPrivacyJobInline(deps.jobSteps, job.jobId, job.attempt, show);
  const pollMs = Number(io.env.FELTFIT_POLL_MS ?? 500);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const current = await deps.jobSteps.jobs.get(job.jobId);
    if (!current) throw new Error('the privacy job disappeared');
    show(current);
    if (current.status === 'succeeded' || current.status === 'failed') return current;
  }
}

function describeProfile(p: ProfileView): string {
  const ids = Object.entries(p.identities)
    .filter(([, values]) => values.length > 0)
    .map(([type, values]) => `  ${type.padEnd(12)} ${values.join(', ')}`);
  const consent = Object.entries(p.consent).map(
    ([k, c]) => `  ${k.padEnd(24)} ${c.granted ? 'granted' : 'withdrawn'} (${c.source}, ${c.at})`,
  );
  const f = p.features;
  return [
    `profile ${p.profileId} (version ${p.version}, created ${p.createdAt}, updated ${p.updatedAt})`,
    ...(p.mergedProfileIds.length > 0 ? [`merged from ${p.mergedProfileIds.join(', ')}`] : []),
    'identities',
    ...ids,
    'consent',
    ...(consent.length > 0 ? consent : ['  none recorded']),
    'features',
    `  first seen ${f.firstSeenAt ?? '-'}, last seen ${f.lastSeenAt ?? '-'}`,
    `  orders ${f.purchases.orderCount}, revenue ${f.purchases.totalRevenue}, open tickets ${f.support.openTickets}`,
    '',
  ].join('\n');
}

async function execute(args: Selected<(typeof PROFILES)['commands']>, io: Io): Promise<number> {
  const id = args.positionals[0];
  if (args.name === 'get') {
    const { type, value } = args.values;
    const byIdentifier = type !== undefined || value !== undefined;
    if (byIdentifier === (id !== undefined))
      throw new UsageError('give either PROFILE_ID or --type and --value');
    const deps = await privacyDepsFor(args.values, io.env);
    const profile = byIdentifier
      ? await findProfileView(deps.directory, parseLookupQuery({ type, value }))
      : await getProfileView(deps.directory, parseProfileId(id));
    io.out(args.values.json ? `${JSON.stringify({ profile }, null, 2)}\n` : describeProfile(profile));
    return 0;
  }
  const profileId = parseProfileId(id);
  const wait = !args.values['no-wait'];
  if (args.name === 'export') {
    const deps = await privacyDepsFor(args.values, io.env);
    const job = await runJob(deps, 'export', profileId, io, wait);
    if (!job) return 0;
    if (job.status !== 'succeeded') return jobFailed(job, io);
    const document = await readExportResult(deps.jobSteps.jobs, job.jobId);
    const json = `${JSON.stringify(document, null, 2)}\n`;
    const file = args.values.out;
    if (file) {
      await writeFile(file, json, { mode: 0o600 });
      io.err(`wrote the export of ${document.profileId} to ${file} (contains personal data)\n`);
    } else io.out(json);
    return 0;
  }
  if (!args.values.yes) {
    io.err('feltfit profiles: erase deletes the person for good; pass --yes to confirm\n');
    return 2;
  }
  const deps = await privacyDepsFor(args.values, io.env);
  const job = await runJob(deps, 'erase', profileId, io, wait);
  if (!job) return 0;
  if (job.status !== 'succeeded') return jobFailed(job, io);
  const counts = job.holders.map((h) => `${h.name} ${h.items ?? 0}`).join(', ');
  io.out(
    job.outcome === 'erased' && !job.finishedBefore
      ? `erased: deleted ${counts || 'nothing'}; ${job.tombstones ?? 0} identifiers tombstoned\n`
      : `already erased at ${job.completedAt ?? job.updatedAt}\n`,
  );
  return 0;
}

function jobFailed(job: PrivacyJob, io: Io): number {
  io.err(
    `feltfit profiles: ${job.kind} job ${job.jobId} ${job.status}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}\n`,
  );
  return 1;
}

/** Runs the `profiles` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseGroup(PROFILES, args, io);
  if (typeof parsed === 'number') return parsed;
  try {
    return await execute(parsed, io);
  } catch (err) {
    return reportFailure(`profiles ${parsed.name}`, err, io);
  }
}

/**
 * Writes a command's failure to stderr and returns its exit code: 2 for a malformed command line
 * (with where its help is), 1 otherwise — an `expected` error by its message, anything else as
 * reportUnexpected says it.
 */
export function reportFailure(
  name: string,
  err: unknown,
  io: Io,
  expected: (err: unknown) => boolean = (e) => e instanceof ClientError || e instanceof TargetNotFoundError,
): number {
  if (err instanceof UsageError) {
    io.err(`feltfit ${name}: ${err.message} (see feltfit ${name} --help)\n`);
    return 2;
  }
  if (expected(err)) {
    io.err(`feltfit ${name}: ${(err as Error).message}\n`);
    return 1;
  }
  return reportUnexpected(name, err, io);
}
