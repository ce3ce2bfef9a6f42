/**
 * `feltfit report [--json] [--html FILE] [--recompute] [--table NAME]`
 *
 * The measurement report: experiment lift per journey against its holdout, all marketing against
 * the global control group, last-touch attribution, economics, the north star and fairness. Reads
 * the counters from the journeys table; journeys come from FELTFIT_JOURNEYS_CONFIG (JSON, else the
 * default catalogue) and statistics settings from FELTFIT_MEASUREMENT_CONFIG (JSON, else defaults),
 * which must match what the deployment runs with. `--recompute` rebuilds the journeys' counters from
 * the raw exposure and credit records, reports from those and says where the stored counters differ.
 * User mistakes exit 2 with one line on stderr.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type * as z from 'zod';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbMeasurementStore } from '../../../shared/adapters/dynamodb/measurement-store.js';
import { defaultJourneysConfig, JourneysConfig } from '../../../shared/config/journeys.js';
import { defaultMeasurementConfig, MeasurementConfig } from '../../../shared/config/measurement.js';
import type { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import { formatReportText } from '../../../shared/domain/measurement/format.js';
import { renderReportHtml } from '../../../shared/domain/measurement/html.js';
import {
  buildReport,
  type CounterDifference,
  counterDifferences,
  type JourneyCounters,
  type ReportInput,
} from '../../../shared/domain/measurement/report.js';
import { ArgsError, command, commandHelp, parseCommand } from '../args.js';
import { reportUnexpected } from '../errors.js';
import { resolveTable, TargetNotFoundError, tableOption } from '../target.js';

/** `feltfit report`: options and examples (the help is generated from them). */
export const REPORT = command({
  name: 'report',
  summary: `Experiment lift (each variant against its journey's holdout), all marketing against the global
control group, last-touch attribution, economics, the north star and fairness of outcomes.`,
  options: {
    json: { type: 'boolean', describe: 'print the report as one JSON object' },
    html: {
      type: 'string',
      value: 'FILE',
      describe: 'write a self-contained HTML report (charts included) to FILE and print its path',
    },
    recompute: {
      type: 'boolean',
      describe:
        "rebuild the journeys' counters from the raw exposure and credit records, and list differences",
    },
    ...tableOption('journeys', 'JOURNEYS_TABLE'),
  },
  examples: ['npx feltfit report', 'npx feltfit report --html report.html'],
  details: `Journeys come from FELTFIT_JOURNEYS_CONFIG (JSON, as the functions' JOURNEYS_CONFIG; default: the
built-in catalogue) and statistics settings from FELTFIT_MEASUREMENT_CONFIG (JSON, as
MEASUREMENT_CONFIG; default: the built-in defaults). --recompute runs one query per exposure.`,
});

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Environment for table discovery and configuration (default: process.env). */
  readonly env?: Record<string, string | undefined>;
}

/** Where the counters come from and what time it is; injectable so tests need no DynamoDB. */
export interface ReportDeps {
  readonly now?: () => Date;
  readonly reportInput?: (
    journeys: readonly JourneyDefinition[],
    now: Date,
    options: { readonly table: string | undefined; readonly env: Record<string, string | undefined> },
    retentionDays: number,
  ) => Promise<ReportInput>;
  /** Counters rebuilt from the raw records (`--recompute`). */
  readonly recomputed?: (
    journeys: readonly JourneyDefinition[],
    options: { readonly table: string | undefined; readonly env: Record<string, string | undefined> },
    retentionDays: number,
  ) => Promise<JourneyCounters[]>;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parsed arguments of `feltfit report`. */
export interface ReportArgs {
  readonly json: boolean;
  readonly recompute: boolean;
  readonly html?: string;
  readonly table?: string;
  readonly help: boolean;
}

/** Parses the arguments; throws ArgsError or UsageError with one line for the user. */
export function parseReportArgs(args: readonly string[]): ReportArgs {
  const parsed = parseCommand(REPORT, args);
  if (parsed.help) return { json: false, recompute: false, help: true };
  const { json = false, recompute = false, html, table } = parsed.values;
  if (json && html !== undefined) throw new UsageError('--json and --html cannot be combined');
  return {
    json,
    recompute,
    help: false,
    ...(html !== undefined ? { html } : {}),
    ...(table !== undefined ? { table } : {}),
  };
}

/** Parses one JSON configuration variable; errors name the variable and the offending paths. */
function configFrom<T extends z.ZodType>(
  schema: T,
  fallback: z.infer<T>,
  env: Record<string, string | undefined>,
  name: string,
): z.infer<T> {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UsageError(`${name} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${name}.${i.path.join('.')}: ${i.message}`);
    throw new UsageError(`invalid ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** The measurement store on the journeys table the options and environment name. */
async function measurementStore(
  options: { readonly table: string | undefined; readonly env: Record<string, string | undefined> },
  retentionDays: number,
): Promise<DynamoDbMeasurementStore> {
  const target = await resolveTable(options.table, options.env, 'JOURNEYS_TABLE', 'journeys');
  const client = documentClient(
    target.endpoint
      ? {
          endpoint: target.endpoint,
          region: options.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  return new DynamoDbMeasurementStore({ client, tableName: target.tableName, retentionDays });
}

/** The journeys table's counters through DynamoDB (the default source). */
async function dynamoDbReportInput(
  journeys: readonly JourneyDefinition[],
  now: Date,
  options: { readonly table: string | undefined; readonly env: Record<string, string | undefined> },
  retentionDays: number,
): Promise<ReportInput> {
  return (await measurementStore(options, retentionDays)).reportInput(journeys, now);
}

/** Counters rebuilt from the raw records in the journeys table (`--recompute`). */
async function dynamoDbRecomputed(
  journeys: readonly JourneyDefinition[],
  options: { readonly table: string | undefined; readonly env: Record<string, string | undefined> },
  retentionDays: number,
): Promise<JourneyCounters[]> {
  return (await measurementStore(options, retentionDays)).recomputedCounters(journeys);
}

/** The stored-versus-rebuilt lines printed before a recomputed text report. */
function differencesText(differences: readonly CounterDifference[]): string {
  const head = `RECOMPUTED from the raw exposure and credit records: ${
    differences.length === 0
      ? 'the stored counters agree'
      : `${differences.length} stored counter${differences.length === 1 ? '' : 's'} differ (report below uses the rebuilt ones)`
  }`;
  const lines = differences.map(
    (d) => `  ${d.journey} / ${d.arm} ${d.measure}: stored ${d.stored}, rebuilt ${d.rebuilt}`,
  );
  return `${[head, ...lines].join('\n')}\n\n`;
}

/** Runs `feltfit report`; returns the exit code. */
export async function run(args: string[], io: Io = processIo, deps: ReportDeps = {}): Promise<number> {
  const env = io.env ?? process.env;
  let parsed: ReportArgs;
  let journeysConfig: JourneysConfig;
  let measurementConfig: MeasurementConfig;
  try {
    parsed = parseReportArgs(args);
    if (parsed.help) {
      io.out(commandHelp(REPORT));
      return 0;
    }
    journeysConfig = configFrom(JourneysConfig, defaultJourneysConfig, env, 'FELTFIT_JOURNEYS_CONFIG');
    measurementConfig = configFrom(
      MeasurementConfig,
      defaultMeasurementConfig,
      env,
      'FELTFIT_MEASUREMENT_CONFIG',
    );
  } catch (err) {
    if (err instanceof ArgsError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`feltfit report: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let report: ReturnType<typeof buildReport>;
  let differences: CounterDifference[] | undefined;
  try {
    const now = (deps.now ?? (() => new Date()))();
    const journeys = journeysConfig.journeys;
    const source = { table: parsed.table, env };
    const stored = await (deps.reportInput ?? dynamoDbReportInput)(
      journeys,
      now,
      source,
      measurementConfig.retentionDays,
    );
    let input = stored;
    if (parsed.recompute) {
      const rebuilt = (
        await (deps.recomputed ?? dynamoDbRecomputed)(journeys, source, measurementConfig.retentionDays)
      ).filter((c) => Object.keys(c.arms).length > 0);
      differences = counterDifferences(stored.journeys, rebuilt);
      input = { ...stored, journeys: rebuilt };
    }
    report = buildReport(
      input,
      journeys,
      measurementConfig,
      journeysConfig.experiments.globalControl.share,
      journeysConfig.experiments.sendTime.holdoutShare,
    );
  } catch (err) {
    if (err instanceof TargetNotFoundError) {
      io.err(`feltfit report: ${err.message}\n`);
      return 1;
    }
    return reportUnexpected('report', err, { err: io.err, env });
  }

  const format = { confidence: measurementConfig.statistics.confidence };
  if (parsed.json) {
    io.out(`${JSON.stringify(differences ? { ...report, recomputed: { differences } } : report)}\n`);
    return 0;
  }
  if (parsed.html !== undefined) {
    const path = resolve(parsed.html);
    try {
      await writeFile(path, renderReportHtml(report, format), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      io.err(`feltfit report: cannot write ${parsed.html} (${code ?? 'error'})\n`);
      return 2;
    }
    if (differences) io.err(differencesText(differences));
    io.out(`${path}\n`);
    return 0;
  }
  io.out(`${differences ? differencesText(differences) : ''}${formatReportText(report, format)}`);
  return 0;
}
