import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReportHtml } from '../../../shared/domain/measurement/html.js';
import { report } from './report-fixture.js';

const html = renderReportHtml(report);

/** The <article> of one journey (articles appear in the report's journey order). */
const article = (journeyId: string): string => {
  const found = html.split('<article>').find((a) => a.includes(`(${journeyId}, `));
  if (!found) throw new Error(`no article for ${journeyId}`);
  return found.slice(0, found.indexOf('</article>'));
};

const svgs = (text: string): string[] => text.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
const attr = (tag: string, name: string): number => Number(new RegExp(`\\b${name}="([^"]+)"`).exec(tag)![1]);

describe('renderReportHtml', () => {
  it('is one complete HTML document', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const tag of ['<html', '</html>', '<head>', '<body>', '</body>', '<style>']) {
      expect(html.split(tag)).toHaveLength(2);
    }
  });

  it('references nothing outside itself and needs no script', () => {
    expect(html).not.toMatch(
      /https?:|\/\/[a-z]|src=|href=|url\(|@import|<link|<script|<img|<iframe|<object/i,
    );
  });

  it('escapes strings from the report: a journey name with <script>, an attribution step with markup', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Cart&quot;');
    expect(html).toContain('&lt;b&gt;sms-step&lt;/b&gt;');
    expect(html).not.toContain('<b>sms-step');
    expect(escapeHtml(`<a href='x'>&"`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
  });

  it('draws a lift chart and an over-time chart per compared journey, and says "no data yet" otherwise', () => {
    // cart-recovery and browse-test have a variant against a holdout and daily counters; welcome-test has neither.
    expect(svgs(html)).toHaveLength(4);
    expect(svgs(article('cart-recovery'))).toHaveLength(2);
    expect(svgs(article('browse-test'))).toHaveLength(2);
    expect(svgs(article('welcome-test'))).toHaveLength(0);
    expect(article('welcome-test')).toMatch(/class="nodata">No data yet/);
  });

  it('puts the dot inside its whisker and the whisker on the right side of the zero line', () => {
    const lift = (id: string) => {
      const svg = svgs(article(id))[0]!;
      const zero = attr(/<line [^>]*stroke-dasharray[^>]*>/.exec(svg)![0], 'x1');
      const whisker = /<line [^>]*stroke-width="2"[^>]*>/.exec(svg)![0];
      expect(attr(whisker, 'y1')).toBe(attr(whisker, 'y2'));
      const dot = attr(/<circle [^>]*>/.exec(svg)![0], 'cx');
      return { zero, lower: attr(whisker, 'x1'), upper: attr(whisker, 'x2'), dot };
    };
    // browse-test: 56/70 − 48/80, Newcombe 95 % interval 0.0524 to 0.3339, entirely above zero.
    const up = lift('browse-test');
    expect(up.lower).toBeGreaterThan(up.zero);
    expect(up.dot).toBeGreaterThan(up.lower);
    expect(up.dot).toBeLessThan(up.upper);
    // The estimate 0.2 sits where it should between the interval's ends: (0.2 − 0.0524) / (0.3339 − 0.0524).
    expect((up.dot - up.lower) / (up.upper - up.lower)).toBeCloseTo((0.2 - 0.0524) / (0.3339 - 0.0524), 2);
    // cart-recovery: 30/300 against 81/263 (−20.8 points), entirely below zero.
    const down = lift('cart-recovery');
    expect(down.upper).toBeLessThan(down.zero);
    expect(down.dot).toBeGreaterThan(down.lower);
    expect(down.dot).toBeLessThan(down.upper);
  });

  it('plots the cumulative conversion rate per arm on a linear scale from zero', () => {
    const svg = svgs(article('browse-test'))[1]!;
    const lines = svg.match(/<polyline [^>]*>/g) ?? [];
    expect(lines).toHaveLength(3); // control, holdout, v1 over three days
    const bottom = attr(/<line [^>]*>/.exec(svg)![0], 'y1');
    const lastY = (line: string) =>
      Number(/points="([^"]+)"/.exec(line)![1]!.split(' ').at(-1)!.split(',')[1]);
    // Arms sorted by name: control 10/100, holdout 48/80, v1 56/70 after the third day.
    const [control, holdout, v1] = lines.map((l) => bottom - lastY(l));
    expect(v1! / holdout!).toBeCloseTo(0.8 / 0.6, 2);
    expect(control! / holdout!).toBeCloseTo(0.1 / 0.6, 2);
  });

  it('shows the figures a marketer reads: rates with intervals, lift, decision, economics, flagged cohorts', () => {
    expect(html).toContain('30.8% [25.5%, 36.6%]'); // Wilson 81/263 (Newcombe 1998, Table I)
    expect(article('browse-test')).toContain('+20.0 pts [+5.2, +33.4]'); // Newcombe 1998, Table II
    expect(article('browse-test')).toContain('<span class="badge keep_running">KEEP RUNNING</span>');
    expect(article('cart-recovery')).toContain(
      '<span class="badge check_assignment">CHECK ASSIGNMENT</span>',
    );
    expect(article('cart-recovery')).toMatch(/Sample ratio: <span class="warn">MISMATCH/);
    expect(html).toContain('<p class="big">24.0%</p>'); // 12 of 50 customers
    expect(html).toContain('<td>Attributed revenue (last touch)</td><td>750.00</td>'); // 500 + 250, not the 90 without a touch
    const rows = html.match(/<tr[^>]*>.*?<\/tr>/g) ?? [];
    const cohort = (value: string) => rows.find((r) => r.includes(`<td class="text">${value}</td>`))!;
    expect(cohort('25-34')).toMatch(/^<tr class="flagged">/); // offers 20 % vs 50 %: ratio 0.4 < 0.8
    expect(cohort('18-24')).toMatch(/^<tr>/);
    expect(html).toContain('<h2>Journey KPIs</h2>');
    expect(rows.find((r) => r.includes('Cart recovery rate'))).toContain('<td>10.0% [7.1%, 13.9%]</td>');
  });

  it('renders a report without journeys or a global comparison with "no data yet" and no charts', () => {
    // Hand-built: buildReport itself throws on zero global-control exposures (wilsonInterval n = 0).
    const { comparison: _, ...globalControl } = report.globalControl;
    const out = renderReportHtml({ ...report, globalControl, journeys: [], attribution: [], fairness: [] });
    expect(svgs(out)).toHaveLength(0);
    expect(out).toContain('No data yet: no journey has recorded a recipient.');
    expect(out).toContain('No data yet: marketing and the global control group both need recipients.');
    expect(out).toContain('No attributed conversions yet.');
  });
});
