import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type ReportDeps, run } from '../../../infra/cli/commands/report.js';
import { main } from '../../../infra/cli/main.js';
import type { ReportInput } from '../../../shared/domain/measurement/report.js';
import { input } from './report-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'feltfit-report-'));

async function cli(args: string[], env: Record<string, string | undefined> = {}, deps: ReportDeps = {}) {
  let out = '';
  let err = '';
  const code = await run(
    args,
    { out: (t) => (out += t), err: (t) => (err += t), env: { FELTFIT_DATA_DIR: dir, ...env } },
    deps,
  );
  return { code, out, err };
}

/** A source that must not be reached (argument errors are caught before any read). */
const unreachable: ReportDeps = {
  reportInput: async () => {
    throw new Error('read the store');
  },
};

const fixed = (seen: { journeys?: string[]; table?: string | undefined } = {}): ReportDeps => ({
  now: () => new Date('2026-11-12T08:00:00.000Z'),
  reportInput: async (journeys, _now, options): Promise<ReportInput> => {
    seen.journeys = journeys.map((j) => j.id);
    seen.table = options.table;
    return input;
  },
});

describe('feltfit report: user mistakes exit 2 with one line', () => {
  it.each([
    [['--bogus'], 'unknown option --bogus (see feltfit report --help)'],
    [['extra'], "unexpected argument 'extra' (see feltfit report --help)"],
    [['--json=yes'], '--json takes no value (see feltfit report --help)'],
    [['--html'], '--html needs a value (--html FILE) (see feltfit report --help)'],
    [['--html', '--json'], '--html needs a value (--html FILE) (see feltfit report --help)'],
    [['--html='], '--html needs a value (--html FILE) (see feltfit report --help)'],
    [['--table'], '--table needs a value (--table NAME) (see feltfit report --help)'],
    [['--json', '--html', 'r.html'], '--json and --html cannot be combined'],
  ])('%j', async (args, message) => {
    const { code, out, err } = await cli(args, {}, unreachable);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`feltfit report: ${message}\n`);
  });

  it('rejects configuration that is not JSON or not valid, naming the variable and path', async () => {
    const notJson = await cli([], { FELTFIT_JOURNEYS_CONFIG: '{nope' }, unreachable);
    expect(notJson).toEqual({
      code: 2,
      out: '',
      err: 'feltfit report: FELTFIT_JOURNEYS_CONFIG is not JSON\n',
    });
    const invalid = await cli(
      [],
      { FELTFIT_MEASUREMENT_CONFIG: JSON.stringify({ statistics: { confidence: 2 } }) },
      unreachable,
    );
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(
      /^feltfit report: invalid FELTFIT_MEASUREMENT_CONFIG\.statistics\.confidence: [^\n]+\n$/,
    );
  });

  it('prints the usage for --help and exits 0', async () => {
    const { code, out } = await cli(['--help'], {}, unreachable);
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: feltfit report \[options\]\n/);
    expect(out).toMatch(/^ {2}--html FILE +write a self-contained HTML report/m);
  });

  it('exits 1 saying how to name a table when none can be found (no DynamoDB touched)', async () => {
    const { code, err } = await cli([]);
    expect(code).toBe(1);
    expect(err).toMatch(/^feltfit report: no journeys table: pass --table NAME, set FELTFIT_JOURNEYS_TABLE/);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('is registered as `feltfit report`', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['report', '--bogus'])).toBe(2);
      expect(write).toHaveBeenCalledWith(
        'feltfit report: unknown option --bogus (see feltfit report --help)\n',
      );
    } finally {
      write.mockRestore();
    }
  });
});

describe('feltfit report with counters', () => {
  it('reads the default catalogue through the given table and prints the text report', async () => {
    const seen: { journeys?: string[]; table?: string | undefined } = {};
    const { code, out, err } = await cli(['--table', 'journeys-x'], {}, fixed(seen));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(seen.table).toBe('journeys-x');
    expect(seen.journeys).toContain('cart-recovery');
    expect(out).toContain('+20.0 pts [+5.2, +33.4]');
  });

  it('uses FELTFIT_JOURNEYS_CONFIG when set', async () => {
    const seen: { journeys?: string[] } = {};
    const { code } = await cli(
      [],
      { FELTFIT_JOURNEYS_CONFIG: JSON.stringify({ journeys: [] }) },
      fixed(seen),
    );
    expect(code).toBe(0);
    expect(seen.journeys).toEqual([]);
  });

  it('--json prints the report as one JSON object', async () => {
    const { code, out } = await cli(['--json'], {}, fixed());
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(out);
    const v1 = report.journeys[1].arms.find((a: { arm: string }) => a.arm === 'v1');
    expect(v1.vsHoldout.absoluteLift.lower.toFixed(4)).toBe('0.0524');
    expect(v1.vsHoldout.absoluteLift.upper.toFixed(4)).toBe('0.3339');
  });

  it('--html FILE writes the document and prints its path; an unwritable path exits 2', async () => {
    const path = join(dir, 'report.html');
    const { code, out } = await cli(['--html', path], {}, fixed());
    expect(code).toBe(0);
    expect(out).toBe(`${path}\n`);
    expect(readFileSync(path, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*<svg[\s\S]*<\/html>\n$/);
    const bad = await cli([`--html=${join(dir, 'missing', 'r.html')}`], {}, fixed());
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^feltfit report: cannot write .*missing.* \(ENOENT\)\n$/);
  });

  it('--recompute reports from counters rebuilt from the raw records and names the stored ones that differ', async () => {
    // The rebuilt cart-recovery counters have one more exposure and conversion in `empathy` (a
    // counter update lost after its raw record was written); the other journeys agree.
    const rebuilt = input.journeys.map((j) =>
      j.journey === 'cart-recovery'
        ? {
            ...j,
            arms: {
              ...j.arms,
              empathy: {
                ...j.arms.empathy!,
                exposures: j.arms.empathy!.exposures + 1,
                conversions: j.arms.empathy!.conversions + 1,
              },
            },
          }
        : j,
    );
    const deps: ReportDeps = { ...fixed(), recomputed: async () => rebuilt };
    const text = await cli(['--recompute'], {}, deps);
    expect(text.code).toBe(0);
    expect(text.out.split('\n').slice(0, 3)).toEqual([
      'RECOMPUTED from the raw exposure and credit records: 2 stored counters differ (report below uses the rebuilt ones)',
      '  cart-recovery / empathy exposures: stored 300, rebuilt 301',
      '  cart-recovery / empathy conversions: stored 30, rebuilt 31',
    ]);
    expect(text.out).toContain('31 of 301 recipients converted'); // the cart recovery KPI, from the rebuilt counters
    const json = JSON.parse((await cli(['--recompute', '--json'], {}, deps)).out);
    expect(json.recomputed.differences).toHaveLength(2);
    const agreeing = await cli(
      ['--recompute'],
      {},
      { ...fixed(), recomputed: async () => [...input.journeys] },
    );
    expect(agreeing.out.split('\n')[0]).toBe(
      'RECOMPUTED from the raw exposure and credit records: the stored counters agree',
    );
  });
});
