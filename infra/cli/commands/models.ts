/**
 * `feltfit models fit clv --transactions FILE.csv --calibration-end YYYY-MM-DD [--holdout-end YYYY-MM-DD] [--json]`
 *
 * Fits BG/NBD (purchase frequency and dropout) and Gamma-Gamma (spend) on the calibration period of a
 * `customer_id,date,amount` CSV and, with --holdout-end, compares predicted and actual repeat
 * transactions in the holdout. User mistakes exit 2 with one line on stderr, never a stack trace.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { fitClvFromTransactions } from '../../../shared/domain/models/clv.js';
import {
  parseIsoDay,
  parseTransactionsCsv,
  TransactionInputError,
} from '../../../shared/domain/models/transactions.js';

const USAGE = `usage: feltfit models fit clv --transactions FILE.csv --calibration-end YYYY-MM-DD [--holdout-end YYYY-MM-DD] [--json]

Fits the BG/NBD and Gamma-Gamma customer-lifetime-value models.
  --transactions FILE     CSV with header customer_id,date,amount (ISO dates)
  --calibration-end DATE  last day of the calibration period (inclusive)
  --holdout-end DATE      last day of the holdout period (inclusive); compares predicted and actual
  --json                  print one JSON object instead of a table
`;

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
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

function parseFlags(args: readonly string[]): FitClvArgs {
  const raw: Record<string, unknown> = { json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') {
      raw.json = true;
      continue;
    }
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const key = FLAGS[flag!];
    if (!key) throw new UsageError(`unknown argument '${arg}'`);
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    raw[key] = value;
  }
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
  const [command, model, ...rest] = args;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'fit' || model !== 'clv') {
    io.err(`feltfit models: unknown command '${[command, model].filter(Boolean).join(' ')}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await fitClv(parseFlags(rest), io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof TransactionInputError) {
      io.err(`feltfit models fit clv: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
