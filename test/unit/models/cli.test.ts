import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../infra/cli/commands/models.js';
import { CDNOW_CSV } from './fixtures.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'feltfit-models-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('feltfit models fit clv', () => {
  it('prints exactly one JSON object with the fitted parameters and the holdout comparison', async () => {
    const { code, out, err } = await cli([
      'fit',
      'clv',
      '--transactions',
      CDNOW_CSV,
      '--calibration-end',
      '1997-09-30',
      '--holdout-end',
      '1998-06-30',
      '--json',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(out);
    expect(Object.keys(report)).toEqual(['customers', 'bgnbd', 'gammaGamma', 'holdout']);
    expect(report.customers).toBe(2357);
    expect(Object.keys(report.bgnbd)).toEqual(['r', 'alpha', 'a', 'b', 'logLikelihood']);
    expect(report.bgnbd.r).toBeCloseTo(0.243, 3);
    expect(Object.keys(report.gammaGamma)).toEqual(['p', 'q', 'gamma', 'customers']);
    expect(report.gammaGamma.customers).toBe(946);
    expect(report.holdout).toEqual({
      actualRepeatTransactions: 1882,
      predictedRepeatTransactions: expect.any(Number),
    });
  });

  it('leaves the holdout out without --holdout-end and prints a table without --json', async () => {
    const json = await cli([
      'fit',
      'clv',
      '--transactions',
      CDNOW_CSV,
      '--calibration-end',
      '1997-09-30',
      '--json',
    ]);
    expect(JSON.parse(json.out).holdout).toBeUndefined();
    const table = await cli(['fit', 'clv', '--transactions', CDNOW_CSV, '--calibration-end=1997-09-30']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/alpha\s+4\.41/);
  });

  const failures: [string, () => string[], RegExp][] = [
    [
      'a missing file',
      () => ['--transactions', join(dir, 'nope.csv'), '--calibration-end', '1997-09-30'],
      /not found/,
    ],
    [
      'a bad header',
      () => [
        '--transactions',
        file('h.csv', 'id,day,value\n1,1997-01-01,3\n'),
        '--calibration-end',
        '1997-09-30',
      ],
      /header/,
    ],
    [
      'a bad date in the file',
      () => [
        '--transactions',
        file('d.csv', 'customer_id,date,amount\n1,1997-02-30,3\n'),
        '--calibration-end',
        '1997-09-30',
      ],
      /line 2: invalid date/,
    ],
    [
      'a bad amount',
      () => [
        '--transactions',
        file('a.csv', 'customer_id,date,amount\n1,1997-02-03,3$\n'),
        '--calibration-end',
        '1997-09-30',
      ],
      /line 2: invalid amount/,
    ],
    [
      'a bad calibration date',
      () => ['--transactions', CDNOW_CSV, '--calibration-end', '30/09/1997'],
      /--calibration-end/,
    ],
    [
      'a holdout before the calibration end',
      () => ['--transactions', CDNOW_CSV, '--calibration-end', '1997-09-30', '--holdout-end', '1997-01-01'],
      /--holdout-end/,
    ],
    ['a missing --transactions', () => ['--calibration-end', '1997-09-30'], /--transactions is required/],
    [
      'an unknown flag',
      () => ['--frobnicate'],
      /^feltfit models fit: unknown option --frobnicate \(see feltfit models fit --help\)\n$/,
    ],
  ];
  for (const [what, args, message] of failures) {
    it(`exits 2 with a one-line message for ${what}`, async () => {
      const { code, out, err } = await cli(['fit', 'clv', ...args()]);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
    });
  }
});
