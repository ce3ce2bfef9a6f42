/**
 * `feltfit quality [--json]`: the data-quality report of `GET /admin/quality`. Tables are found as in
 * `feltfit profiles` (flags, FELTFIT_*_TABLE variables, or the local runtime's runtime.json).
 */
import { ClientError } from '../../../shared/domain/errors.js';
import { formatQualityReport, qualityReport } from '../../../shared/domain/quality/report.js';
import { command, JSON_OPTION, parseSingle } from '../args.js';
import { reportUnexpected } from '../errors.js';
import { type Io, privacyDepsFor, TABLE_OPTIONS, TABLES_DETAIL, TargetNotFoundError } from './profiles.js';

/** `feltfit quality`: options and example (the help is generated from them). */
export const QUALITY = command({
  name: 'quality',
  summary:
    'The data-quality report: freshness per source, profile completeness, duplicates removed,\nquarantined messages by reason and undeclared traits dropped.',
  options: { ...JSON_OPTION, ...TABLE_OPTIONS },
  examples: ['npx feltfit quality', 'npx feltfit quality --json'],
  details: `See docs/privacy.md for how each figure is computed. ${TABLES_DETAIL}`,
});

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** Runs `feltfit quality`; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseSingle(QUALITY, args, io);
  if (typeof parsed === 'number') return parsed;
  try {
    const deps = await privacyDepsFor(parsed.values, io.env);
    const report = await qualityReport(deps.quality);
    io.out(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatQualityReport(report));
    return 0;
  } catch (err) {
    if (err instanceof ClientError || err instanceof TargetNotFoundError) {
      io.err(`feltfit quality: ${err.message}\n`);
      return 1;
    }
    return reportUnexpected('quality', err, io);
  }
}
