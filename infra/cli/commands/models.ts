/**
 * `feltfit models fit clv --transactions FILE.csv --calibration-end YYYY-MM-DD [--holdout-end YYYY-MM-DD] [--json]`
 * `feltfit models list [MODEL] [--table NAME] [--json]`
 * `feltfit models show MODEL [--version V] [--table NAME] [--json]`
 * `feltfit models train [--model NAME] [--wait [--timeout SECONDS]] [--bus NAME] [--table NAME] [--json]`
 *
 * `fit clv` fits BG/NBD (purchase frequency and dropout) and Gamma-Gamma (spend) on the calibration
 * period of a `customer_id,date,amount` CSV and, with --holdout-end, compares predicted and actual
 * repeat transactions in the holdout. `list` and `show` read the model registry. `train` puts a
 * ModelTrainingRequested event on the bus (the local runtime's, or FELTFIT_EVENT_BUS in AWS); the
 * trainer picks it up, and --wait follows the registry until the new version appears. User mistakes exit 2 with one line on stderr, never a stack trace.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbModelRegistry } from '../../../shared/adapters/dynamodb/model-registry.js';
import { EventBridgeTrainingRequests } from '../../../shared/adapters/eventbridge/training-requests.js';
import { MODEL_NAMES, ModelName } from '../../../shared/config/models.js';
import { fitClvFromTransactions } from '../../../shared/domain/models/clv.js';
import type { ModelVersion, ModelVersionSummary } from '../../../shared/domain/models/registry.js';
import { buildTrainingRequest } from '../../../shared/domain/models/training-request.js';
import {
  parseIsoDay,
  parseTransactionsCsv,
  TransactionInputError,
} from '../../../shared/domain/models/transactions.js';
import type { ModelRegistry } from '../../../shared/ports/models.js';
import { command, group, parseGroup, type Selected } from '../args.js';
import { reportUnexpected } from '../errors.js';
import { readRuntimeFile, resolveTable, TargetNotFoundError, tableDetails, tableOption } from '../target.js';

const TABLE = tableOption('models', 'MODELS_TABLE');
const JSON_OUT = { json: { type: 'boolean', describe: 'print one JSON object instead of a table' } } as const;

/** `feltfit models`: its subcommands, options and examples (the help is generated from them). */
export const MODELS = group({
  name: 'models',
  summary: 'Fit, list, show and train predictive models (CLV, churn, propensity).',
  details: tableDetails('models', 'MODELS_TABLE'),
  commands: {
    list: command({
      name: 'models list',
      summary: 'every registered version (newest first)',
      args: '[MODEL]',
      maxArgs: 1,
      options: { ...TABLE, ...JSON_OUT },
      examples: ['npx feltfit models list', 'npx feltfit models list propensity --json'],
    }),
    show: command({
      name: 'models show',
      summary: "a version's model card (the promoted version unless --version)",
      args: 'MODEL',
      minArgs: 1,
      options: { version: { type: 'string', value: 'V', describe: 'this version' }, ...TABLE, ...JSON_OUT },
      examples: ['npx feltfit models show clv'],
    }),
    fit: command({
      name: 'models fit',
      summary: 'fit the BG/NBD and Gamma-Gamma customer-lifetime-value models to a CSV',
      args: 'clv',
      minArgs: 1,
      options: {
        transactions: {
          type: 'string',
          value: 'FILE',
          describe: 'CSV with header customer_id,date,amount (ISO dates)',
        },
        'calibration-end': {
          type: 'string',
          value: 'DATE',
          describe: 'last day of the calibration period (inclusive)',
        },
        'holdout-end': {
          type: 'string',
          value: 'DATE',
          describe: 'last day of the holdout period (inclusive); compares predicted and actual',
        },
        ...JSON_OUT,
      },
      examples: [
        'npx feltfit models fit clv --transactions test/fixtures/cdnow/cdnow_sample_transactions.csv --calibration-end 1997-09-30 --holdout-end 1998-06-30',
      ],
    }),
    train: command({
      name: 'models train',
      summary: 'ask the trainer for a run now (every model, or --model)',
      options: {
        model: { type: 'string', value: 'MODEL', describe: 'clv or propensity (default: every model)' },
        wait: {
          type: 'boolean',
          describe: 'follow the registry until each requested model has a new version',
        },
        timeout: {
          type: 'string',
          value: 'SECONDS',
          describe: 'with --wait: at most this long (default 120)',
        },
        bus: {
          type: 'string',
          value: 'NAME',
          describe:
            'the event bus (else FELTFIT_EVENT_BUS, the stack output EventBusName; else the local runtime)',
        },
        ...TABLE,
        ...JSON_OUT,
      },
      examples: ['npx feltfit models train --wait'],
      details: `Puts a ModelTrainingRequested event on the bus (AWS credentials and region from the environment,
else the local runtime's bus). A model the trainer skips for lack of data gets no new version (its
log says why).`,
    }),
  },
});
type ModelsLine = Selected<(typeof MODELS)['commands']>;

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Environment for table discovery (default: process.env). */
  readonly env?: Record<string, string | undefined>;
  /** The EventBridge client for `train` (endpoint: the local runtime's bus, else AWS). */
  readonly eventBridge?: (endpoint: string | undefined) => Pick<EventBridgeClient, 'send'>;
  /** The registry `train --wait` follows. */
  readonly registry?: (table: { tableName: string; endpoint?: string }) => Pick<ModelRegistry, 'list'>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

const IsoDate = z
  .string()
  .refine((s) => parseIsoDay(s) !== undefined, { message: 'must be a date YYYY-MM-DD' });

/** Validated arguments of `models fit clv`. */
export const FitClvArgs = z
  .object({
    transactions: z
      .string({ error: '--transactions FILE is required' })
      .min(1, '--transactions FILE is required'),
    calibrationEnd: IsoDate,
    holdoutEnd: IsoDate.optional(),
    json: z.boolean(),
  })
  .refine((a) => a.holdoutEnd === undefined || a.holdoutEnd > a.calibrationEnd, {
    message: 'must be after --calibration-end',
    path: ['holdoutEnd'],
  });
export type FitClvArgs = z.infer<typeof FitClvArgs>;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS: Record<string, 'transactions' | 'calibrationEnd' | 'holdoutEnd'> = {
  '--transactions': 'transactions',
  '--calibration-end': 'calibrationEnd',
  '--holdout-end': 'holdoutEnd',
};

function fitArgs(values: Extract<ModelsLine, { name: 'fit' }>['values']): FitClvArgs {
  const raw: Record<string, unknown> = {
    json: values.json === true,
    transactions: values.transactions,
    calibrationEnd: values['calibration-end'],
    holdoutEnd: values['holdout-end'],
  };
  const parsed = FitClvArgs.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? '');
    const flag = Object.entries(FLAGS).find(([, k]) => k === name)?.[0];
    if (raw[name] === undefined && flag) throw new UsageError(`${flag} is required`);
    throw new UsageError(flag ? `${flag}: ${issue.message}` : issue.message);
  }
  return parsed.data;
}

const fixed = (v: number, digits: number): string => v.toFixed(digits);

function table(report: ReturnType<typeof fitClvFromTransactions>): string {
  const { bgnbd: bg, gammaGamma: gg } = report;
  const lines = [
    `customers                ${report.customers}`,
    '',
    'BG/NBD (purchase rate ~ Gamma(r, alpha), dropout ~ Beta(a, b))',
    `  r                      ${fixed(bg.r, 4)}`,
    `  alpha                  ${fixed(bg.alpha, 4)}`,
    `  a                      ${fixed(bg.a, 4)}`,
    `  b                      ${fixed(bg.b, 4)}`,
    `  log-likelihood         ${fixed(bg.logLikelihood, 2)}`,
    `  converged              ${bg.converged ? 'yes' : 'NO'} (${bg.agreeingStarts}/${bg.starts} starts agree)`,
    '',
    `Gamma-Gamma (spend, ${gg.customers} customers with a repeat purchase)`,
    `  p                      ${fixed(gg.p, 4)}`,
    `  q                      ${fixed(gg.q, 4)}`,
    `  gamma                  ${fixed(gg.gamma, 4)}`,
    `  log-likelihood         ${fixed(gg.logLikelihood, 2)}`,
    `  converged              ${gg.converged ? 'yes' : 'NO'}`,
  ];
  if (report.holdout) {
    const h = report.holdout;
    lines.push(
      '',
      `Holdout (${fixed(h.weeks, 1)} weeks)`,
      `  actual repeat transactions     ${h.actualRepeatTransactions}`,
      `  predicted repeat transactions  ${fixed(h.predictedRepeatTransactions, 1)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function fitClv(args: FitClvArgs, io: Io): Promise<number> {
  let text: string;
  try {
    text = await readFile(args.transactions, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `transactions file not found: ${args.transactions}`
        : `cannot read ${args.transactions} (${code ?? 'error'})`,
    );
  }
  const transactions = parseTransactionsCsv(text);
  const calibrationEnd = parseIsoDay(args.calibrationEnd)!;
  const holdoutEnd = args.holdoutEnd === undefined ? undefined : parseIsoDay(args.holdoutEnd);
  let report: ReturnType<typeof fitClvFromTransactions>;
  try {
    report = fitClvFromTransactions(transactions, calibrationEnd, holdoutEnd);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  if (args.json) {
    const { bgnbd: bg, gammaGamma: gg } = report;
    io.out(
      `${JSON.stringify({
        customers: report.customers,
        bgnbd: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b, logLikelihood: bg.logLikelihood },
        gammaGamma: { p: gg.p, q: gg.q, gamma: gg.gamma, customers: gg.customers },
        ...(report.holdout
          ? {
              holdout: {
                actualRepeatTransactions: report.holdout.actualRepeatTransactions,
                predictedRepeatTransactions: report.holdout.predictedRepeatTransactions,
              },
            }
          : {}),
      })}\n`,
    );
  } else {
    io.out(table(report));
  }
  return 0;
}

/** Runs the `models` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const line = parseGroup(MODELS, args, io);
  if (typeof line === 'number') return line;
  const withEnv = { ...io, env: io.env ?? process.env };
  if (line.name === 'train') return runTrain(line.values, withEnv);
  if (line.name === 'list' || line.name === 'show') return runRegistryCommand(line, withEnv);
  if (line.positionals[0] !== 'clv') {
    io.err(`feltfit models fit: the model to fit is clv (see feltfit models fit --help)\n`);
    return 2;
  }
  try {
    return await fitClv(fitArgs(line.values), io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof TransactionInputError) {
      io.err(`feltfit models fit clv: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

// ---- list / show: the model registry ----------------------------------------------------------

/** Raised when no models table can be found. */
export { TargetNotFoundError };

/** Same discovery as `feltfit sources`: --table, FELTFIT_MODELS_TABLE, or the local runtime's file. */
const resolveModelsTable = (table: string | undefined, env: Record<string, string | undefined>) =>
  resolveTable(table, env, 'MODELS_TABLE', 'models');

function modelArg(value: string | undefined): ModelName {
  const parsed = ModelName.safeParse(value);
  if (!parsed.success) throw new UsageError(`model must be one of ${MODEL_NAMES.join(', ')}`);
  return parsed.data;
}

const num = (v: number | undefined): string =>
  v === undefined ? '-' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);

/** Headline metrics shown by `list`. */
const HEADLINE: Record<ModelName, string[]> = {
  clv: ['holdoutRelativeError', 'customers'],
  propensity: ['auc', 'calibrationError'],
};

function listTable(versions: readonly ModelVersionSummary[]): string {
  if (versions.length === 0) return 'no model versions registered\n';
  const lines = [
    `${'MODEL'.padEnd(11)} ${'VERSION'.padEnd(22)} ${'STATUS'.padEnd(10)} ${'GATES'.padEnd(6)} METRICS`,
  ];
  for (const v of versions) {
    const metrics = HEADLINE[v.model].map((m) => `${m}=${num(v.metrics[m])}`).join(' ');
    lines.push(
      `${v.model.padEnd(11)} ${v.version.padEnd(22)} ${v.status.padEnd(10)} ${(v.gatesPassed ? 'pass' : 'FAIL').padEnd(6)} ${metrics}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function cardText(v: ModelVersion): string {
  const c = v.card;
  const lines = [
    `${c.model} ${c.version} (${v.status} since ${v.statusChangedAt})`,
    '',
    `objective       ${c.objective}`,
    `owner           ${c.owner}`,
    `created         ${c.createdAt}`,
    `training window ${c.trainingWindow.from} .. ${c.trainingWindow.to}`,
    `holdout         ${c.trainingWindow.holdoutFrom} .. ${c.trainingWindow.holdoutTo}`,
    `inputs          ${c.inputs.join(', ')}`,
    '',
    'metrics',
    ...Object.entries(c.metrics).map(([k, m]) => `  ${k.padEnd(28)} ${num(m)}`),
    '',
    'gates',
    ...c.gates.map(
      (g) =>
        `  ${g.passed ? 'pass' : 'FAIL'}  ${g.metric} = ${g.value === null ? 'n/a' : num(g.value)}` +
        `${g.min !== undefined ? ` (min ${g.min})` : ''}${g.max !== undefined ? ` (max ${g.max})` : ''}`,
    ),
    '',
  ];
  if (c.fairness) {
    lines.push(
      `fairness (selected = score >= ${c.fairness.threshold}; cohorts under ${c.fairness.minCohortSize} not judged)`,
    );
    for (const t of c.fairness.traits) {
      lines.push(
        `  ${t.trait}: disparate impact ${t.disparateImpact === null ? 'n/a' : t.disparateImpact.toFixed(3)}${t.flagged ? '  FLAGGED' : ''}`,
      );
      for (const co of t.cohorts) {
        lines.push(
          `    ${co.value.padEnd(16)} n=${String(co.size).padEnd(7)} selected ${(co.selectionRate * 100).toFixed(1)}%  ` +
            `mean ${num(co.scores.mean)} q1 ${num(co.scores.q1)} median ${num(co.scores.median)} q3 ${num(co.scores.q3)}` +
            `${co.judged ? '' : '  (not judged)'}`,
        );
      }
    }
  } else {
    lines.push('fairness        no cohort traits declared');
  }
  lines.push('', 'known risks', ...c.knownRisks.map((r) => `  - ${r}`));
  return `${lines.join('\n')}\n`;
}

async function runRegistryCommand(
  line: Extract<ModelsLine, { name: 'list' | 'show' }>,
  io: Io & { env: Record<string, string | undefined> },
): Promise<number> {
  const command = line.name;
  const parsed = { json: line.values.json === true, table: line.values.table, version: '' };
  if (line.name === 'show') parsed.version = line.values.version ?? '';
  let model: ModelName | undefined;
  try {
    model = line.positionals[0] === undefined ? undefined : modelArg(line.positionals[0]);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`feltfit models ${command}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    const target = await resolveModelsTable(parsed.table, io.env);
    const registry = registryFor(target, io.env);
    if (command === 'list') {
      const versions = await registry.list(model);
      io.out(parsed.json ? `${JSON.stringify({ versions })}\n` : listTable(versions));
      return 0;
    }
    const name = model!;
    let version: ModelVersion | undefined;
    if (parsed.version) version = await registry.get(name, parsed.version);
    else {
      // The promoted version, else the newest one.
      version = await registry.getPromoted(name);
      const newest = version ? undefined : (await registry.list(name))[0];
      if (newest) version = await registry.get(name, newest.version);
    }
    if (!version) {
      io.err(
        `feltfit models show: ${parsed.version ? `no version ${parsed.version} of ${name}` : `no versions of ${name}`}\n`,
      );
      return 1;
    }
    io.out(
      parsed.json
        ? `${JSON.stringify({ ...version.card, status: version.status, statusChangedAt: version.statusChangedAt, parameters: version.parameters })}\n`
        : cardText(version),
    );
    return 0;
  } catch (err) {
    if (err instanceof TargetNotFoundError) {
      io.err(`feltfit models ${command}: ${err.message}\n`);
      return 1;
    }
    return reportUnexpected(`models ${command}`, err, io);
  }
}

/** The registry on DynamoDB (DynamoDB Local when the table came from the local runtime). */
function registryFor(
  target: { tableName: string; endpoint?: string },
  env: Record<string, string | undefined>,
): DynamoDbModelRegistry {
  const client = documentClient(
    target.endpoint
      ? {
          endpoint: target.endpoint,
          region: env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  return new DynamoDbModelRegistry({ client, tableName: target.tableName });
}

// ---- train: "train now" through the bus ------------------------------------------------------

const WAIT_POLL_MS = 1_000;

interface TrainArgs {
  model?: ModelName;
  wait: boolean;
  timeoutSeconds: number;
  bus?: string;
  table?: string;
  json: boolean;
}

function trainArgs(values: Extract<ModelsLine, { name: 'train' }>['values']): TrainArgs {
  const out: TrainArgs = { wait: values.wait === true, timeoutSeconds: 120, json: values.json === true };
  if (values.model !== undefined) out.model = modelArg(values.model);
  if (values.bus !== undefined) out.bus = values.bus;
  if (values.table !== undefined) out.table = values.table;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0) || !Number.isFinite(seconds))
      throw new UsageError('--timeout must be a positive number of seconds');
    if (!out.wait) throw new UsageError('--timeout is for --wait');
    out.timeoutSeconds = seconds;
  }
  return out;
}

/** The bus to put the request on: --bus, FELTFIT_EVENT_BUS (AWS), else the local runtime's. */
async function busTarget(
  bus: string | undefined,
  env: Record<string, string | undefined>,
): Promise<{ eventBusName: string; endpoint?: string }> {
  const name = bus ?? env.FELTFIT_EVENT_BUS;
  if (name) return { eventBusName: name };
  const runtime = await readRuntimeFile(
    env,
    'no event bus: pass --bus NAME, set FELTFIT_EVENT_BUS (the stack output EventBusName)',
  );
  if (!runtime.busEndpoint)
    throw new TargetNotFoundError(`${runtime.file} names no busEndpoint: restart the local runtime`);
  return { eventBusName: runtime.eventBusName ?? 'feltfit', endpoint: runtime.busEndpoint };
}

/** EventBridge in AWS, or the local runtime's PutEvents endpoint (any region and credentials). */
function eventBridgeClient(endpoint: string | undefined): EventBridgeClient {
  return endpoint
    ? new EventBridgeClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      })
    : new EventBridgeClient({});
}

async function runTrain(
  values: Extract<ModelsLine, { name: 'train' }>['values'],
  io: Io & { env: Record<string, string | undefined> },
): Promise<number> {
  let parsed: TrainArgs;
  try {
    parsed = trainArgs(values);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`feltfit models train: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = io.now ?? Date.now;
  try {
    const bus = await busTarget(parsed.bus, io.env);
    // Resolved and read before publishing, so a version the run registers is recognisably new.
    let registry: Pick<ModelRegistry, 'list'> | undefined;
    let before = new Set<string>();
    if (parsed.wait) {
      const table = await resolveModelsTable(parsed.table, io.env);
      registry = (io.registry ?? ((t) => registryFor(t, io.env)))(table);
      before = new Set((await registry.list(parsed.model)).map((v) => `${v.model}/${v.version}`));
    }
    const request = buildTrainingRequest(parsed.model ? { model: parsed.model } : {}, {
      now: new Date(now()),
      requestId: randomUUID(),
      requestedBy: 'cli',
    });
    const client = (io.eventBridge ?? eventBridgeClient)(bus.endpoint);
    await new EventBridgeTrainingRequests({ client, eventBusName: bus.eventBusName }).publish(request);
    const what = parsed.model ?? 'every model';
    if (!registry) {
      io.out(
        parsed.json
          ? `${JSON.stringify({ request, eventBusName: bus.eventBusName })}\n`
          : `requested training of ${what} on bus ${bus.eventBusName} (request ${request.requestId})\n`,
      );
      return 0;
    }
    if (!parsed.json) io.out(`requested training of ${what}; waiting for the new version…\n`);
    const wanted: readonly ModelName[] = parsed.model ? [parsed.model] : MODEL_NAMES;
    const deadline = now() + parsed.timeoutSeconds * 1000;
    let fresh: ModelVersionSummary[] = [];
    for (;;) {
      fresh = (await registry.list(parsed.model)).filter((v) => !before.has(`${v.model}/${v.version}`));
      const done = wanted.every((m) => fresh.some((v) => v.model === m));
      if (done || now() >= deadline) break;
      await sleep(WAIT_POLL_MS);
    }
    const missing = wanted.filter((m) => !fresh.some((v) => v.model === m));
    if (parsed.json) io.out(`${JSON.stringify({ request, versions: fresh, missing })}\n`);
    else if (fresh.length > 0) io.out(listTable(fresh));
    if (missing.length > 0) {
      io.err(
        `feltfit models train: no new version of ${missing.join(', ')} within ${parsed.timeoutSeconds} s ` +
          '(the trainer skips a model without enough data: see its log)\n',
      );
    }
    return fresh.length > 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof TargetNotFoundError) {
      io.err(`feltfit models train: ${err.message}\n`);
      return 1;
    }
    return reportUnexpected('models train', err, io);
  }
}
