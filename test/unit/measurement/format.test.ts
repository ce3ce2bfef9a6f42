import { describe, expect, it } from 'vitest';
import { formatReportText, money, percent, points } from '../../../shared/domain/measurement/format.js';
import { report } from './report-fixture.js';

const text = formatReportText(report);
const lines = text.split('\n');

/** The lines of one section: from the line starting with `title` to the next blank-line-separated title. */
function section(title: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(title));
  if (start < 0) throw new Error(`no section ${title}`);
  const end = lines.findIndex((l, i) => i > start && /^[A-Z]/.test(l));
  return lines.slice(start, end < 0 ? undefined : end);
}
const row = (sectionLines: string[], first: string) => sectionLines.find((l) => l.startsWith(`  ${first} `))!;

describe('formatReportText', () => {
  it("shows each arm's conversion rate with its Wilson interval", () => {
    const cart = section('JOURNEY <script>');
    expect(row(cart, 'holdout')).toContain('30.8% [25.5%, 36.6%]'); // 81/263 (Newcombe 1998, Table I)
    expect(row(cart, 'empathy')).toContain('10.0% [');
    const browse = section('JOURNEY browse-test');
    expect(row(browse, 'v1')).toContain('80.0% [');
    expect(row(browse, 'holdout')).toContain('60.0% [');
    expect(row(browse, 'control')).toContain('10.0% [');
    expect(row(section('JOURNEY welcome-test'), 'default')).toContain('10.0% [');
  });

  it('shows the lift over the holdout with its interval and the recommendation', () => {
    const browse = section('JOURNEY browse-test');
    const v1 = browse.filter((l) => l.startsWith('  v1 '));
    expect(v1[1]).toContain('+20.0 pts [+5.2, +33.4]'); // 56/70 − 48/80 (Newcombe 1998, Table II)
    expect(v1[1]).toContain('+33.3%'); // (56/70) / (48/80) − 1
    expect(v1[1]).toMatch(/KEEP RUNNING$/);
    expect(browse).toContain(
      '  v1: Keep running: an arm has 70 exposures, fewer than the 100 needed before deciding.',
    );
    const cart = section('JOURNEY <script>');
    expect(cart.filter((l) => l.startsWith('  empathy '))[1]).toMatch(/MISMATCH\s+CHECK ASSIGNMENT$/);
    expect(cart.some((l) => l.startsWith('  sample ratio: MISMATCH'))).toBe(true);
  });

  it('says "no data yet" for a journey without a holdout comparison', () => {
    expect(section('JOURNEY welcome-test').join('\n')).toContain('vs holdout: no data yet');
  });

  it('aligns columns: every line of a table has the same width when the last column is right-aligned', () => {
    const browse = section('JOURNEY browse-test');
    const header = browse.findIndex((l) => l.startsWith('  ARM '));
    const table = browse.slice(header, header + 4);
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    // Right-aligned cells end in the same column as their header.
    const rateEnd = table[0]!.indexOf('RATE [95% CI]') + 'RATE [95% CI]'.length;
    for (const l of table.slice(1)) expect(l.slice(0, rateEnd)).toMatch(/%\]$/);
  });

  it('shows the north star, global control, attribution, economics and flagged cohorts', () => {
    expect(text).toContain('Repeat purchase rate: 24.0% (12 of 50 customers ordered more than once)');
    expect(row(section('ALL MARKETING'), 'control')).toContain('10.0% [');
    expect(row(section('ATTRIBUTION'), 'browse-test')).toMatch(/sms\s+5\s+250\.00$/);
    expect(row(section('ECONOMICS'), 'attributed')).toMatch(/750\.00$/); // 500 + 250; 'none' is not attributed
    const fairness = section('FAIRNESS');
    expect(fairness.find((l) => l.includes(' 25-34 '))).toMatch(/FLAGGED: offer$/); // 20 % vs 50 % offered
    expect(fairness.find((l) => l.includes(' 18-24 '))).not.toContain('FLAGGED');
  });

  it('shows each configured KPI with its interval, or why it has none', () => {
    const kpis = section('KPIS');
    // Cart recovery's treated arm: 30 of 300 (Wilson 95 %: 7.1 % to 13.9 %).
    expect(row(kpis, 'Cart recovery rate')).toMatch(
      /cart-recovery\s+10\.0% \[7\.1%, 13\.9%\]\s+30 of 300 recipients/,
    );
    expect(row(kpis, 'Onboarding activation')).toMatch(/onboarding\s+—\s+no recipients yet$/);
  });

  it('labels intervals with the configured confidence', () => {
    expect(formatReportText(report, { confidence: 0.9 })).toContain('RATE [90% CI]');
  });
});

describe('number formatting', () => {
  it('rounds to one decimal, uses a real minus sign and never prints a negative zero', () => {
    expect(percent(0.0842)).toBe('8.4%');
    expect(points(0.021)).toBe('+2.1 pts');
    expect(points(-0.0204)).toBe('\u22122.0 pts');
    expect(points(-0.0004)).toBe('0.0 pts');
    expect(money(-1234.5)).toBe('\u22121,234.50');
    expect(money(-0.001)).toBe('0.00');
  });
});
