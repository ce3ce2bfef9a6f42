/**
 * The plain-text measurement report `feltfit report` prints by default, and the number formatting
 * shared with the HTML report (so a rate reads the same in the terminal and in the browser).
 * Rates are percentages with one decimal; differences of rates are percentage points ("pts"), never
 * percentages, because "+1.0 %" of a 5 % rate is ambiguous between 5.05 % and 6 %.
 */
import type { ArmReport, JourneyReport, KpiReport, Report } from './report.js';
import type { Decision, IntervalEstimate, RelativeLift } from './stats.js';

/** What the report itself does not carry. */
export interface FormatOptions {
  /** Level of the fixed-horizon intervals, for labels only (default 0.95). */
  readonly confidence?: number;
}

const MINUS = '\u2212';

/** `x` as a percentage with one decimal, e.g. 0.0842 → "8.4%". */
export function percent(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = (x * 100).toFixed(1);
  return `${s === '-0.0' ? '0.0' : s.replace('-', MINUS)}%`;
}

/** A signed number with one decimal (a real minus sign, so columns of lifts line up and read well). */
function signed(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = Math.abs(x).toFixed(digits);
  if (Number(s) === 0) return s;
  return `${x > 0 ? '+' : MINUS}${s}`;
}

/** A difference of rates in percentage points, e.g. 0.021 → "+2.1 pts". */
export function points(x: number): string {
  return `${signed(x * 100)} pts`;
}

/** A relative change as a signed percentage, e.g. 0.15 → "+15.0%". */
export function signedPercent(x: number): string {
  return `${signed(x * 100)}%`;
}

/** Money with two decimals and thousands separators (no currency: the report does not know it). */
export function money(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return x < 0 && s !== '0.00' ? `${MINUS}${s}` : s;
}

/** A whole count with thousands separators. */
export function count(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a';
}

/** "8.4% [6.8%, 10.3%]": a rate with its (Wilson) interval. */
export function rateWithInterval(r: IntervalEstimate): string {
  return `${percent(r.estimate)} [${percent(r.lower)}, ${percent(r.upper)}]`;
}

/** "+2.1 pts [−0.4, +4.6]": an absolute lift with its interval, in points. */
export function liftWithInterval(l: IntervalEstimate): string {
  return `${points(l.estimate)} [${signed(l.lower * 100)}, ${signed(l.upper * 100)}]`;
}

/** "[−0.9, +5.2] pts": an interval alone (the always-valid one has no point estimate of its own). */
export function intervalPoints(i: { readonly lower: number; readonly upper: number }): string {
  return `[${signed(i.lower * 100)}, ${signed(i.upper * 100)}] pts`;
}

/** "+15.0% [−3.1%, +38.0%]", or why there is none (no conversions in the holdout). */
export function relativeLiftText(r: RelativeLift | undefined): string {
  if (!r) return 'n/a';
  const interval = r.interval
    ? ` [${signedPercent(r.interval.lower)}, ${signedPercent(r.interval.upper)}]`
    : '';
  return `${signedPercent(r.estimate)}${interval}`;
}

/** The recommendation's decision as people say it. */
export function decisionLabel(d: Decision): string {
  return { go: 'GO', stop: 'STOP', keep_running: 'KEEP RUNNING', check_assignment: 'CHECK ASSIGNMENT' }[d];
}

/** "95%" from 0.95 (labels of intervals). */
export function levelLabel(confidence: number): string {
  return `${Math.round(confidence * 1000) / 10}%`;
}

/** The north star's value in its unit: a rate for repeat purchase, money for incremental revenue. */
export function northStarValue(report: Report): string {
  return report.northStar.metric === 'repeatPurchaseRate'
    ? percent(report.northStar.value)
    : money(report.northStar.value);
}

/** The north star's name as a sentence fragment. */
export function northStarName(report: Report): string {
  return report.northStar.metric === 'repeatPurchaseRate' ? 'Repeat purchase rate' : 'Incremental revenue';
}

/** Why a journey shows no lift: it has no variant compared against a holdout yet. */
export const NO_COMPARISON =
  'no data yet: no variant has been compared with a holdout (the journey needs recipients in a ' +
  'holdout and in a variant)';

/** The journey's variants that have a holdout comparison. */
export function comparedArms(journey: JourneyReport): (ArmReport & Required<Pick<ArmReport, 'vsHoldout'>>)[] {
  return journey.arms.filter((a): a is ArmReport & Required<Pick<ArmReport, 'vsHoldout'>> => !!a.vsHoldout);
}

/** The journey's sample-ratio check in words. */
export function srmText(journey: JourneyReport): string {
  const s = journey.srm;
  if (!s) return 'not checked (fewer than two arms with recipients, or no configured split)';
  const p = s.pValue < 0.0001 ? s.pValue.toExponential(1) : s.pValue.toFixed(4);
  return s.mismatch
    ? `MISMATCH (p = ${p} < ${s.threshold}): the arms' sizes differ from the configured split; do not trust the lifts`
    : `ok (p = ${p})`;
}

type Align = 'left' | 'right';

/** Rows as aligned columns (each padded to its widest cell), two spaces apart, indented. */
function columns(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map(
    (r) =>
      `  ${r
        .map((cell, i) =>
          (align[i] ?? 'left') === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
        )
        .join('  ')
        .trimEnd()}`,
  );
}

function globalSection(report: Report, level: string): string[] {
  const g = report.globalControl;
  const lines = ['ALL MARKETING VS GLOBAL CONTROL'];
  lines.push(
    ...columns(
      ['GROUP', 'EXPOSURES', 'CONVERSIONS', `RATE [${level} CI]`, 'REVENUE/RECIPIENT'],
      [g.treated, g.control].map((a) => [
        a.arm,
        count(a.exposures),
        count(a.conversions),
        rateWithInterval(a.rate),
        money(a.revenuePerRecipient),
      ]),
      ['left', 'right', 'right', 'right', 'right'],
    ),
  );
  const c = g.comparison;
  if (!c) {
    lines.push('  lift: no data yet (marketing and the global control group both need recipients)');
  } else {
    lines.push(
      `  lift: ${liftWithInterval(c.absoluteLift)} (${level} interval), relative ${relativeLiftText(c.relativeLift)}, ` +
        `probability marketing beats control ${percent(c.probabilityToBeat)}`,
      `  always-valid interval ${intervalPoints(c.sequential.interval)}; sample ratio ${c.srm.mismatch ? 'MISMATCH' : 'ok'}`,
    );
  }
  return lines;
}

function journeySection(j: JourneyReport, level: string): string[] {
  const lines = [`JOURNEY ${j.name} (${j.journey}), ${count(j.exposures)} exposures`];
  lines.push(`  sample ratio: ${srmText(j)}`);
  lines.push(
    ...columns(
      [
        'ARM',
        'ROLE',
        'EXPOSURES',
        'CONVERSIONS',
        `RATE [${level} CI]`,
        'REVENUE/RECIPIENT',
        'MARGIN/RECIPIENT',
      ],
      j.arms.map((a) => [
        a.arm,
        a.role,
        count(a.exposures),
        count(a.conversions),
        rateWithInterval(a.rate),
        money(a.revenuePerRecipient),
        money(a.marginPerRecipient),
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  const compared = comparedArms(j);
  if (compared.length === 0) {
    lines.push(`  vs holdout: ${NO_COMPARISON}`);
    return lines;
  }
  lines.push(
    '',
    ...columns(
      [
        'VARIANT',
        `LIFT VS HOLDOUT [${level} CI]`,
        'RELATIVE LIFT',
        'P(BEATS HOLDOUT)',
        'ALWAYS-VALID',
        'SRM',
        'DECISION',
      ],
      compared.map(({ arm, vsHoldout: c }) => [
        arm,
        liftWithInterval(c.absoluteLift),
        relativeLiftText(c.relativeLift),
        percent(c.probabilityToBeat),
        intervalPoints(c.sequential.interval),
        c.srm.mismatch ? 'MISMATCH' : 'ok',
        decisionLabel(c.recommendation.decision),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
    '',
    ...compared.map(({ arm, vsHoldout: c }) => `  ${arm}: ${c.recommendation.message}`),
  );
  return lines;
}

function attributionSection(report: Report): string[] {
  const lines = ['ATTRIBUTION (last touch)'];
  if (report.attribution.length === 0) return [...lines, '  no attributed conversions yet'];
  return [
    ...lines,
    ...columns(
      ['JOURNEY', 'STEP', 'CHANNEL', 'CONVERSIONS', 'REVENUE'],
      report.attribution.map((a) => [a.journey, a.step, a.channel, count(a.conversions), money(a.revenue)]),
      ['left', 'left', 'left', 'right', 'right'],
    ),
  ];
}

/** A KPI's value with its interval, in the measure's unit ("—" with no data). */
export function kpiValue(k: KpiReport): string {
  const v = k.value;
  if (!v) return '—';
  switch (k.measure) {
    case 'conversionRate':
      return rateWithInterval(v);
    case 'lift':
      return liftWithInterval(v);
    case 'daysToConversion':
      return `${v.estimate.toFixed(1)} days [${v.lower.toFixed(1)}, ${v.upper.toFixed(1)}]`;
    case 'revenuePerRecipient':
      return `${money(v.estimate)} [${money(v.lower)}, ${money(v.upper)}]`;
  }
}

function kpiSection(report: Report, level: string): string[] {
  const lines = [`KPIS (treated recipients of each journey, ${level} intervals)`];
  if (report.kpis.length === 0) return [...lines, '  none configured (see measurement.kpis)'];
  return [
    ...lines,
    ...columns(
      ['KPI', 'JOURNEY', 'VALUE', 'BASIS'],
      report.kpis.map((k) => [k.name, k.journey, kpiValue(k), k.basis]),
      ['left', 'left', 'right', 'left'],
    ),
  ];
}

function economicsSection(report: Report): string[] {
  const e = report.economics;
  return [
    'ECONOMICS (variants over their journey holdouts)',
    ...columns(
      ['', ''],
      [
        ['incremental conversions', signed(e.incrementalConversions)],
        ['incremental revenue', money(e.incrementalRevenue)],
        ['incremental margin', money(e.incrementalMargin)],
        ['attributed revenue (last touch)', money(e.attributedRevenue)],
      ],
      ['left', 'right'],
    ).slice(1),
  ];
}

function fairnessSection(report: Report): string[] {
  const lines = ['FAIRNESS (each cohort against the best cohort of its trait)'];
  if (report.fairness.length === 0) return [...lines, '  no cohorts measured (see fairness.cohortTraits)'];
  return [
    ...lines,
    ...columns(
      [
        'JOURNEY',
        'TRAIT',
        'VALUE',
        'EXPOSURES',
        'SENT',
        'OFFERED',
        'AVG DISCOUNT',
        'CONVERTED',
        'RATIOS S/O/C',
        'FLAG',
      ],
      report.fairness.map((f) => [
        f.journey,
        f.trait,
        f.value,
        count(f.exposures),
        percent(f.sendRate),
        percent(f.offerRate),
        percent(f.averageDiscount),
        percent(f.conversionRate),
        [f.ratios.send, f.ratios.offer, f.ratios.conversion].map((r) => r.toFixed(2)).join('/'),
        f.flagged.length ? `FLAGGED: ${f.flagged.join(', ')}` : '',
      ]),
      ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  ];
}

/** The whole report as aligned plain text (what `feltfit report` prints without flags). */
export function formatReportText(report: Report, options: FormatOptions = {}): string {
  const level = levelLabel(options.confidence ?? 0.95);
  const sections = [
    [
      `Feltfit measurement report, generated ${report.generatedAt}`,
      '',
      `NORTH STAR  ${northStarName(report)}: ${northStarValue(report)} (${report.northStar.detail})`,
    ],
    globalSection(report, level),
    ...(report.journeys.length
      ? report.journeys.map((j) => journeySection(j, level))
      : [['JOURNEYS', '  no data yet: no journey has recorded an exposure']]),
    kpiSection(report, level),
    attributionSection(report),
    economicsSection(report),
    fairnessSection(report),
  ];
  return `${sections.map((s) => s.join('\n')).join('\n\n')}\n`;
}
