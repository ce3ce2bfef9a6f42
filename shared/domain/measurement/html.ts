/**
 * The measurement report as ONE self-contained HTML document: inline CSS, inline SVG charts, no
 * script, no external URL (not even the SVG namespace, which HTML does not need), so the file can be
 * mailed, archived or opened offline and shows the same thing in ten years. Every string that comes
 * from the report (journey names, arm ids, cohort values, messages) is escaped: journey names are
 * written by marketers and cohort values come from customer traits.
 */

import type { FormatOptions } from './format.js';
import {
  comparedArms,
  count,
  decisionLabel,
  intervalPoints,
  kpiValue,
  levelLabel,
  liftWithInterval,
  money,
  NO_COMPARISON,
  northStarName,
  northStarValue,
  percent,
  points,
  rateWithInterval,
  relativeLiftText,
  srmText,
} from './format.js';
import type { ArmReport, JourneyReport, Report } from './report.js';
import type { Decision } from './stats.js';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const e = escapeHtml;

/** SVG coordinates with two decimals: enough for a screen, short enough to keep the file small. */
const n = (x: number): string => (Math.round(x * 100) / 100).toString();

const CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f9fafb; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 32px 0 8px; font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { margin: 24px 0 4px; font-size: 17px; }
.meta, .note { color: var(--muted); }
section, article { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 16px; margin-top: 16px; }
article { border-left: 4px solid var(--accent); }
.big { font-size: 40px; font-weight: 700; margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.text { white-space: normal; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
tr.flagged td { background: #fee2e2; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; }
.go { background: #dcfce7; color: #166534; }
.stop { background: #fee2e2; color: #991b1b; }
.keep_running { background: #fef9c3; color: #854d0e; }
.check_assignment { background: #ffedd5; color: #9a3412; }
.warn { color: #991b1b; font-weight: 600; }
.nodata { color: var(--muted); font-style: italic; }
svg { display: block; max-width: 100%; height: auto; margin: 8px 0; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; }
ul.messages { padding-left: 20px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 24px; }
`;

/** Colours per arm: the holdout and the global control in greys, variants in distinct hues. */
const PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];

function colours(arms: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  let next = 0;
  for (const arm of arms) {
    if (arm === 'holdout') map.set(arm, '#6b7280');
    else if (arm === 'control') map.set(arm, '#111827');
    else map.set(arm, PALETTE[next++ % PALETTE.length]!);
  }
  return map;
}

function badge(decision: Decision): string {
  return `<span class="badge ${decision}">${e(decisionLabel(decision))}</span>`;
}

function tableHtml(
  header: readonly string[],
  rows: readonly { readonly cells: readonly string[]; readonly className?: string }[],
  textColumns: readonly number[] = [],
): string {
  const cls = (i: number) => (textColumns.includes(i) ? ' class="text"' : '');
  const head = header.map((h, i) => `<th${cls(i)}>${h}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr${r.className ? ` class="${r.className}"` : ''}>${r.cells.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * Lift of each variant over the holdout: a dot at the estimate, a whisker over the fixed-horizon
 * interval, and a dashed zero line, so "the whisker crosses zero" reads as "not shown yet".
 */
export function liftChart(arms: readonly ArmReport[], level: string): string {
  const rows = arms.flatMap((a) =>
    a.vsHoldout &&
    [a.vsHoldout.absoluteLift.estimate, a.vsHoldout.absoluteLift.lower, a.vsHoldout.absoluteLift.upper].every(
      Number.isFinite,
    )
      ? [{ arm: a.arm, lift: a.vsHoldout.absoluteLift }]
      : [],
  );
  if (rows.length === 0) return '';
  const width = 520;
  const left = 110;
  const right = 24;
  const top = 28;
  const rowHeight = 34;
  const height = top + rows.length * rowHeight + 34;
  let lo = Math.min(0, ...rows.map((r) => r.lift.lower));
  let hi = Math.max(0, ...rows.map((r) => r.lift.upper));
  if (hi - lo < 1e-9) {
    lo -= 0.01;
    hi += 0.01;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const colour = colours(rows.map((r) => r.arm));
  const bottom = top + rows.length * rowHeight;
  const parts = [
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Lift over holdout with ${e(level)} intervals">`,
    `<title>Lift over holdout (percentage points) with ${e(level)} intervals</title>`,
    `<text x="${left}" y="16">Lift over holdout, percentage points (${e(level)} interval)</text>`,
    `<line x1="${n(x(0))}" y1="${top - 6}" x2="${n(x(0))}" y2="${bottom}" stroke="#9ca3af" stroke-dasharray="4 3"/>`,
    `<line x1="${left}" y1="${bottom}" x2="${width - right}" y2="${bottom}" stroke="#d1d5db"/>`,
  ];
  // Ticks at the data's ends and at zero; an end that is zero already has its tick.
  const ticks: [number, string][] = [[0, 'middle']];
  if (lo + pad < 0) ticks.push([lo + pad, 'start']);
  if (hi - pad > 0) ticks.push([hi - pad, 'end']);
  for (const [v, anchor] of ticks) {
    parts.push(`<text x="${n(x(v))}" y="${bottom + 16}" text-anchor="${anchor}">${e(points(v))}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const c = colour.get(r.arm)!;
    parts.push(
      `<text x="${left - 8}" y="${n(y + 4)}" text-anchor="end">${e(r.arm)}</text>`,
      `<line x1="${n(x(r.lift.lower))}" y1="${n(y)}" x2="${n(x(r.lift.upper))}" y2="${n(y)}" stroke="${c}" stroke-width="2"/>`,
      `<line x1="${n(x(r.lift.lower))}" y1="${n(y - 6)}" x2="${n(x(r.lift.lower))}" y2="${n(y + 6)}" stroke="${c}" stroke-width="2"/>`,
      `<line x1="${n(x(r.lift.upper))}" y1="${n(y - 6)}" x2="${n(x(r.lift.upper))}" y2="${n(y + 6)}" stroke="${c}" stroke-width="2"/>`,
      `<circle cx="${n(x(r.lift.estimate))}" cy="${n(y)}" r="5" fill="${c}"><title>${e(`${r.arm}: ${liftWithInterval(r.lift)}`)}</title></circle>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Cumulative conversion rate per arm after each day: one line per arm, days left to right. */
export function overTimeChart(overTime: JourneyReport['overTime']): string {
  const points_ = overTime.filter((p) => Number.isFinite(p.rate));
  if (points_.length === 0) return '';
  const days = [...new Set(points_.map((p) => p.day))].sort();
  const arms = [...new Set(points_.map((p) => p.arm))].sort();
  const width = 520;
  const left = 52;
  const right = 16;
  const top = 28;
  const plotHeight = 170;
  const legendTop = top + plotHeight + 34;
  const height = legendTop + Math.ceil(arms.length / 4) * 18 + 4;
  const maxRate = Math.max(...points_.map((p) => p.rate));
  const yMax = maxRate > 0 ? maxRate * 1.1 : 0.01;
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const x = (day: string) =>
    days.length === 1
      ? left + (width - left - right) / 2
      : left + (dayIndex.get(day)! / (days.length - 1)) * (width - left - right);
  const y = (rate: number) => top + (1 - rate / yMax) * plotHeight;
  const colour = colours(arms);
  const bottom = top + plotHeight;
  const parts = [
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Cumulative conversion rate over time per arm">`,
    '<title>Cumulative conversion rate over time per arm</title>',
    `<text x="${left}" y="16">Cumulative conversion rate by day</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${width - right}" y2="${bottom}" stroke="#d1d5db"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#d1d5db"/>`,
    `<text x="${left - 6}" y="${n(bottom + 4)}" text-anchor="end">${e(percent(0))}</text>`,
    `<text x="${left - 6}" y="${n(top + 4)}" text-anchor="end">${e(percent(yMax))}</text>`,
    `<text x="${n(x(days[0]!))}" y="${bottom + 16}" text-anchor="${days.length === 1 ? 'middle' : 'start'}">${e(days[0]!)}</text>`,
  ];
  if (days.length > 1) {
    parts.push(
      `<text x="${n(x(days.at(-1)!))}" y="${bottom + 16}" text-anchor="end">${e(days.at(-1)!)}</text>`,
    );
  }
  for (const arm of arms) {
    const series = points_.filter((p) => p.arm === arm).sort((a, b) => a.day.localeCompare(b.day));
    const c = colour.get(arm)!;
    const coords = series.map((p) => `${n(x(p.day))},${n(y(p.rate))}`).join(' ');
    if (series.length > 1) {
      parts.push(`<polyline points="${coords}" fill="none" stroke="${c}" stroke-width="2"/>`);
    }
    for (const p of series) {
      parts.push(
        `<circle cx="${n(x(p.day))}" cy="${n(y(p.rate))}" r="2.5" fill="${c}"><title>${e(`${arm} ${p.day}: ${percent(p.rate)} of ${count(p.exposures)}`)}</title></circle>`,
      );
    }
  }
  arms.forEach((arm, i) => {
    const lx = left + (i % 4) * 115;
    const ly = legendTop + Math.floor(i / 4) * 18;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="12" height="4" fill="${colour.get(arm)!}"/>`,
      `<text x="${lx + 16}" y="${ly - 4}">${e(arm)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function globalSection(report: Report, level: string): string {
  const g = report.globalControl;
  const table = tableHtml(
    ['Group', 'Recipients', 'Conversions', `Conversion rate (${e(level)} interval)`, 'Revenue per recipient'],
    [g.treated, g.control].map((a) => ({
      cells: [
        e(a.arm === 'marketing' ? 'All marketing' : 'Global control'),
        e(count(a.exposures)),
        e(count(a.conversions)),
        e(rateWithInterval(a.rate)),
        e(money(a.revenuePerRecipient)),
      ],
    })),
  );
  const c = g.comparison;
  const verdict = c
    ? `<p>Marketing changes the conversion rate by <strong>${e(liftWithInterval(c.absoluteLift))}</strong> ` +
      `(${e(level)} interval; relative ${e(relativeLiftText(c.relativeLift))}). Probability that marketing ` +
      `beats no marketing: <strong>${e(percent(c.probabilityToBeat))}</strong>. Always-valid interval ` +
      `${e(intervalPoints(c.sequential.interval))}.` +
      `${c.srm.mismatch ? ' <span class="warn">Sample ratio mismatch: the control group is not the configured size; check assignment.</span>' : ''}</p>`
    : '<p class="nodata">No data yet: marketing and the global control group both need recipients.</p>';
  return `<section><h2>All marketing vs the global control group</h2>
<p class="note">The global control group receives no marketing at all: the difference is what marketing adds.</p>
${table}
${verdict}
</section>`;
}

function journeyArticle(j: JourneyReport, level: string): string {
  const compared = comparedArms(j);
  const armsTable = tableHtml(
    [
      'Arm',
      'Recipients',
      'Conversions',
      `Conversion rate (${e(level)} interval)`,
      'Revenue / recipient',
      'Margin / recipient',
      `Lift vs holdout (${e(level)})`,
      'Relative lift',
      'P(beats holdout)',
      'Always-valid interval',
      'SRM',
      'Decision',
    ],
    j.arms.map((a) => {
      const c = a.vsHoldout;
      return {
        cells: [
          `${e(a.arm)}${a.role === 'variant' ? '' : ` <span class="note">(${e(a.role)})</span>`}`,
          e(count(a.exposures)),
          e(count(a.conversions)),
          e(rateWithInterval(a.rate)),
          e(money(a.revenuePerRecipient)),
          e(money(a.marginPerRecipient)),
          c ? e(liftWithInterval(c.absoluteLift)) : '—',
          c ? e(relativeLiftText(c.relativeLift)) : '—',
          c ? e(percent(c.probabilityToBeat)) : '—',
          c ? e(intervalPoints(c.sequential.interval)) : '—',
          c ? (c.srm.mismatch ? '<span class="warn">mismatch</span>' : 'ok') : '—',
          c ? badge(c.recommendation.decision) : '—',
        ],
      };
    }),
  );
  const srm = `<p>Sample ratio: ${j.srm?.mismatch ? `<span class="warn">${e(srmText(j))}</span>` : e(srmText(j))}</p>`;
  const advice = compared.length
    ? `<ul class="messages">${compared
        .map(
          (a) =>
            `<li>${badge(a.vsHoldout.recommendation.decision)} <strong>${e(a.arm)}</strong>: ${e(a.vsHoldout.recommendation.message)}</li>`,
        )
        .join('\n')}</ul>`
    : `<p class="nodata">${e(NO_COMPARISON[0]!.toUpperCase() + NO_COMPARISON.slice(1))}.</p>`;
  const charts = [liftChart(compared, level), overTimeChart(j.overTime)].filter(Boolean);
  return `<article>
<h3>${e(j.name)} <span class="note">(${e(j.journey)}, ${e(count(j.exposures))} recipients)</span></h3>
${srm}
${armsTable}
${advice}
${charts.length ? `<div class="charts">\n${charts.join('\n')}\n</div>` : ''}
</article>`;
}

function attributionSection(report: Report): string {
  const names = new Map(report.journeys.map((j) => [j.journey, j.name]));
  const body = report.attribution.length
    ? tableHtml(
        ['Journey', 'Step', 'Channel', 'Conversions', 'Revenue'],
        report.attribution.map((a) => ({
          cells: [
            e(names.get(a.journey) ?? a.journey),
            e(a.step),
            e(a.channel),
            e(count(a.conversions)),
            e(money(a.revenue)),
          ],
        })),
        [1, 2],
      )
    : '<p class="nodata">No attributed conversions yet.</p>';
  return `<section><h2>Attribution (last touch)</h2>
<p class="note">Each conversion is credited to the latest marketing message whose window covers it. Attribution is not lift: compare with the holdouts above.</p>
${body}
</section>`;
}

function kpiSection(report: Report, level: string): string {
  const body = report.kpis.length
    ? tableHtml(
        ['KPI', 'Journey', `Value (${level} interval)`, 'Computed from'],
        report.kpis.map((k) => ({ cells: [e(k.name), e(k.journey), e(kpiValue(k)), e(k.basis)] })),
        [0, 1, 3],
      )
    : '<p class="nodata">No KPIs configured.</p>';
  return `<section><h2>Journey KPIs</h2>
<p class="note">Each journey's treated recipients (every arm but the holdout and the global control group); uplift is against the journey's holdout.</p>
${body}
</section>`;
}

function economicsSection(report: Report): string {
  const x = report.economics;
  return `<section><h2>Economics</h2>
<p class="note">What the variants added over their journeys' holdouts, summed over journeys.</p>
${tableHtml(
  ['Measure', 'Value'],
  [
    ['Incremental conversions', x.incrementalConversions.toFixed(1)],
    ['Incremental revenue', money(x.incrementalRevenue)],
    ['Incremental margin', money(x.incrementalMargin)],
    ['Attributed revenue (last touch)', money(x.attributedRevenue)],
  ].map(([label, value]) => ({ cells: [e(label!), e(value!)] })),
)}
</section>`;
}

function fairnessSection(report: Report): string {
  const flagged = report.fairness.filter((f) => f.flagged.length > 0).length;
  const body = report.fairness.length
    ? `<p>${flagged ? `<span class="warn">${flagged} cohort${flagged === 1 ? '' : 's'} flagged</span>` : 'No cohort flagged'}: a cohort is flagged when its rate is below the configured share of the best cohort of the same trait.</p>
${tableHtml(
  [
    'Journey',
    'Trait',
    'Cohort',
    'Recipients',
    'Sent',
    'Offered',
    'Avg discount',
    'Converted',
    'Ratio send / offer / conversion',
    'Flagged',
  ],
  report.fairness.map((f) => ({
    ...(f.flagged.length ? { className: 'flagged' } : {}),
    cells: [
      e(f.journey),
      e(f.trait),
      e(f.value),
      e(count(f.exposures)),
      e(percent(f.sendRate)),
      e(percent(f.offerRate)),
      e(percent(f.averageDiscount)),
      e(percent(f.conversionRate)),
      e([f.ratios.send, f.ratios.offer, f.ratios.conversion].map((r) => r.toFixed(2)).join(' / ')),
      f.flagged.length ? `<span class="warn">${e(f.flagged.join(', '))}</span>` : '',
    ],
  })),
  [1, 2],
)}`
    : '<p class="nodata">No cohorts measured (declare traits in the fairness settings to compare outcomes across cohorts).</p>';
  return `<section><h2>Fairness</h2>
${body}
</section>`;
}

/** The report as one self-contained HTML document (no script, no external reference). */
export function renderReportHtml(report: Report, options: FormatOptions = {}): string {
  const level = levelLabel(options.confidence ?? 0.95);
  const journeys = report.journeys.length
    ? report.journeys.map((j) => journeyArticle(j, level)).join('\n')
    : '<p class="nodata">No data yet: no journey has recorded a recipient.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feltfit measurement report ${e(report.generatedAt)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Measurement report</h1>
<p class="meta">Generated ${e(report.generatedAt)}. Rates are shares of recipients who converted; lifts are in percentage points.</p>
<section><h2>North star</h2>
<p>${e(northStarName(report))}</p>
<p class="big">${e(northStarValue(report))}</p>
<p class="note">${e(report.northStar.detail)}</p>
</section>
${globalSection(report, level)}
<h2>Journeys</h2>
${journeys}
${kpiSection(report, level)}
${attributionSection(report)}
${economicsSection(report)}
${fairnessSection(report)}
</main>
</body>
</html>
`;
}
