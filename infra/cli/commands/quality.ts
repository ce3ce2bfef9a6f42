/**
 * `feltfit quality [--json]`: the data-quality report of `GET /admin/quality`. Tables are found as in
 * `feltfit profiles` (flags, FELTFIT_*_TABLE variables, or the local runtime's runtime.json).
 */
import { ClientError } from '../../../shared/domain/errors.js';
import { formatQualityReport, qualityReport } from '../../../shared/domain/quality/report.js';
import {
  type Io,
  parseCliArgs,
  privacyDepsFor,
  TABLE_FLAGS,
  TargetNotFoundError,
  UsageError,
} from './profiles.js';

const USAGE = `usage: feltfit quality [--json] [--profiles-table NAME --events-table NAME --control-table NAME]

Freshness per source, profile completeness, duplicates removed, quarantined messages by reason and
undeclared traits dropped. See docs/privacy.md for how each figure is computed.
`;

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** Runs `feltfit quality`; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  try {
    const parsed = parseCliArgs(args, TABLE_FLAGS, ['--json']);
    if (parsed.positional.length > 0) throw new UsageError(`unexpected argument '${parsed.positional[0]}'`);
    const deps = await privacyDepsFor(parsed.options, io.env);
    const report = await qualityReport(deps.quality);
    io.out(
      parsed.switches.has('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatQualityReport(report),
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`feltfit quality: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ClientError || err instanceof TargetNotFoundError) {
      io.err(`feltfit quality: ${err.message}\n`);
      return 1;
    }
    io.err(`feltfit quality: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    return 1;
  }
}
