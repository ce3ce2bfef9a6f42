/**
 * Experiments: the measurement report (`GET /admin/report`) as pages. The list shows every journey's
 * experiment with its exposures and state; a journey's page shows each variant against the holdout —
 * lift with its fixed-horizon and always-valid intervals drawn as an interval plot, the sequential
 * guard's recommendation with its reason, the sample-ratio check, KPIs and fairness by cohort — with
 * the counts (exposures, conversions) beside every rate. The conversion-over-time chart is uPlot,
 * loaded only when a journey's page opens.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type {
  ArmReport,
  FairnessFinding,
  JourneyReport,
  Report,
} from '../../../shared/domain/measurement/report.js';
import { call } from '../api.js';
import type { PageProps } from '../app.js';
import { Card, ErrorNote, Loaded, num, Page, pct, Stat, Table, useLoad, when } from '../ui.js';

export default function ExperimentsPage(props: PageProps) {
  const report = useLoad(() => call<Report>('report'), []);
  const journey = props.segments[0];
  return (
    <Loaded state={report}>
      {(r) => {
        if (!journey) return <Overview report={r} />;
        const j = r.journeys.find((x) => x.journey === journey);
        return j ? (
          <JourneyPage report={r} journey={j} />
        ) : (
          <Page title="Experiment" actions={<a href="/experiments">All experiments</a>}>
            <p>No exposures for {journey} yet: nobody has entered it.</p>
          </Page>
        );
      }}
    </Loaded>
  );
}

const points = (v: number) => `${(v * 100).toFixed(2)} pts`;
const interval = (i: { lower: number; upper: number } | undefined, f: (v: number) => string = points) =>
  i ? `${f(i.lower)} to ${f(i.upper)}` : '—';

/** A rate with the counts it comes from. */
function Rate({ conversions, exposures, rate }: { conversions: number; exposures: number; rate: number }) {
  return (
    <>
      {pct(rate, 2)}{' '}
      <span class="muted">
        ({num(conversions)} of {num(exposures)})
      </span>
    </>
  );
}

const DECISION_LABEL: Record<string, string> = {
  go: 'Go',
  stop: 'Stop',
  keep_running: 'Keep running',
  check_assignment: 'Check assignment',
};
const decisionClass = (d: string) => (d === 'go' ? 'pill ok' : d === 'keep_running' ? 'pill' : 'pill bad');

function Overview({ report: r }: { report: Report }) {
  const gc = r.globalControl;
  return (
    <Page title="Experiments" intro={`Measured against holdouts. Report of ${when(r.generatedAt)}.`}>
      <div class="grid">
        <Card title="North star">
          <div class="stats">
            <Stat label={r.northStar.metric} value={num(r.northStar.value)} detail={r.northStar.detail} />
            <Stat
              label="Incremental margin"
              value={num(r.economics.incrementalMargin)}
              detail={`${num(r.economics.incrementalConversions)} incremental conversions`}
            />
          </div>
        </Card>
        <Card title="All marketing against the global control">
          <div class="stats">
            <Stat label="Treated" value={<Rate {...gc.treated} rate={gc.treated.rate.estimate} />} />
            <Stat label="Global control" value={<Rate {...gc.control} rate={gc.control.rate.estimate} />} />
            {gc.comparison && (
              <Stat
                label="Lift"
                value={points(gc.comparison.absoluteLift.estimate)}
                detail={`interval ${interval(gc.comparison.absoluteLift)}`}
              />
            )}
          </div>
        </Card>
        <Card title="Journeys" wide>
          <Table
            caption="Experiments by journey"
            rows={r.journeys}
            rowKey={(j) => j.journey}
            empty="No exposures yet: journeys record one when a person enters."
            columns={[
              {
                label: 'Journey',
                cell: (j) => <a href={`/experiments/${encodeURIComponent(j.journey)}`}>{j.name}</a>,
              },
              { label: 'Exposures', numeric: true, cell: (j) => num(j.exposures) },
              { label: 'Arms', cell: (j) => j.arms.map((a) => a.arm).join(', ') },
              {
                label: 'Sample ratio',
                cell: (j) =>
                  !j.srm ? (
                    '—'
                  ) : j.srm.mismatch ? (
                    <span class="pill bad">mismatch</span>
                  ) : (
                    <span class="pill ok">as configured</span>
                  ),
              },
              {
                label: 'Recommendation',
                cell: (j) =>
                  j.arms
                    .filter((a) => a.vsHoldout)
                    .map((a) => `${a.arm}: ${DECISION_LABEL[a.vsHoldout!.recommendation.decision] ?? '?'}`)
                    .join(' · ') || '—',
              },
            ]}
          />
        </Card>
      </div>
    </Page>
  );
}

function JourneyPage({ report: r, journey: j }: { report: Report; journey: JourneyReport }) {
  const compared = j.arms.filter((a): a is ArmReport & { vsHoldout: NonNullable<ArmReport['vsHoldout']> } =>
    Boolean(a.vsHoldout),
  );
  const kpis = r.kpis.filter((k) => k.journey === j.journey);
  const fairness = r.fairness.filter((f) => f.journey === j.journey);
  return (
    <Page
      title={`Experiment: ${j.name}`}
      intro={j.journey}
      actions={<a href="/experiments">All experiments</a>}
    >
      <div class="grid">
        <Card title="Arms" wide>
          <Table
            caption="Arms with their counts and conversion rates"
            rows={j.arms}
            rowKey={(a) => a.arm}
            columns={[
              { label: 'Arm', cell: (a) => a.arm },
              { label: 'Role', cell: (a) => a.role },
              { label: 'Exposures', numeric: true, cell: (a) => num(a.exposures) },
              { label: 'Conversions', numeric: true, cell: (a) => num(a.conversions) },
              { label: 'Conversion rate', numeric: true, cell: (a) => pct(a.rate.estimate, 2) },
              {
                label: 'Rate interval',
                cell: (a) => interval(a.rate, (v) => pct(v, 2)),
              },
              { label: 'Revenue per recipient', numeric: true, cell: (a) => num(a.revenuePerRecipient) },
            ]}
          />
        </Card>
        <Card title="Lift against the holdout" wide>
          {compared.length === 0 ? (
            <p class="muted">No variant has a holdout to compare with yet.</p>
          ) : (
            <>
              <LiftPlot arms={compared} />
              <Table
                caption="Lift of each variant against the holdout, and the sequential guard"
                rows={compared}
                rowKey={(a) => a.arm}
                columns={[
                  { label: 'Variant', cell: (a) => a.arm },
                  {
                    label: 'Variant rate',
                    cell: (a) => (
                      <Rate conversions={a.conversions} exposures={a.exposures} rate={a.rate.estimate} />
                    ),
                  },
                  {
                    label: 'Holdout rate',
                    cell: (a) => (
                      <Rate
                        conversions={a.vsHoldout.control.conversions}
                        exposures={a.vsHoldout.control.exposures}
                        rate={a.vsHoldout.control.rate.estimate}
                      />
                    ),
                  },
                  { label: 'Lift', numeric: true, cell: (a) => points(a.vsHoldout.absoluteLift.estimate) },
                  { label: 'Interval', cell: (a) => interval(a.vsHoldout.absoluteLift) },
                  { label: 'Always-valid interval', cell: (a) => interval(a.vsHoldout.sequential.interval) },
                  {
                    label: 'Always-valid p',
                    numeric: true,
                    cell: (a) => a.vsHoldout.sequential.pValue.toPrecision(3),
                  },
                  {
                    label: 'P(beats holdout)',
                    numeric: true,
                    cell: (a) => pct(a.vsHoldout.probabilityToBeat),
                  },
                  {
                    label: 'Recommendation',
                    cell: (a) => (
                      <>
                        <span class={decisionClass(a.vsHoldout.recommendation.decision)}>
                          {DECISION_LABEL[a.vsHoldout.recommendation.decision] ??
                            a.vsHoldout.recommendation.decision}
                        </span>{' '}
                        {a.vsHoldout.recommendation.message}
                      </>
                    ),
                  },
                ]}
              />
            </>
          )}
        </Card>
        <Card title="Sample ratio check">
          {j.srm ? (
            <>
              <p>
                <span class={j.srm.mismatch ? 'pill bad' : 'pill ok'}>
                  {j.srm.mismatch ? 'Sample ratio mismatch' : 'Split as configured'}
                </span>
              </p>
              <div class="stats">
                <Stat
                  label="χ²"
                  value={j.srm.statistic.toFixed(2)}
                  detail={`${j.srm.df} degrees of freedom`}
                />
                <Stat
                  label="p-value"
                  value={j.srm.pValue.toPrecision(3)}
                  detail={`mismatch below ${j.srm.threshold}`}
                />
              </div>
              {j.srm.mismatch && (
                <p class="error">
                  The arms' counts do not match the configured split: fix assignment before trusting lift.
                </p>
              )}
            </>
          ) : (
            <p class="muted">Not enough arms with exposures to check the split.</p>
          )}
        </Card>
        <Card title="Conversion over time">
          <OverTime overTime={j.overTime} />
        </Card>
        <Card title="KPIs">
          <Table
            caption="Journey KPIs"
            rows={kpis}
            rowKey={(k) => k.name}
            empty="No KPIs configured for this journey."
            columns={[
              { label: 'KPI', cell: (k) => k.name },
              {
                label: 'Value',
                cell: (k) =>
                  k.value
                    ? `${k.measure === 'daysToConversion' || k.measure === 'revenuePerRecipient' ? num(k.value.estimate) : pct(k.value.estimate, 2)}`
                    : '—',
              },
              {
                label: 'Interval',
                cell: (k) =>
                  k.value
                    ? k.measure === 'daysToConversion' || k.measure === 'revenuePerRecipient'
                      ? `${num(k.value.lower)} to ${num(k.value.upper)}`
                      : interval(k.value, (v) => pct(v, 2))
                    : '—',
              },
              { label: 'From', cell: (k) => k.basis },
            ]}
          />
        </Card>
        <Card title="Fairness by cohort" wide>
          <FairnessTable findings={fairness} />
        </Card>
      </div>
    </Page>
  );
}

/** Lift of each variant with both intervals around zero: a small SVG interval (forest) plot. */
function LiftPlot({ arms }: { arms: (ArmReport & { vsHoldout: NonNullable<ArmReport['vsHoldout']> })[] }) {
  const width = 640;
  const row = 44;
  const left = 120;
  const right = 20;
  const height = arms.length * row + 40;
  const values = arms.flatMap((a) => [
    a.vsHoldout.absoluteLift.lower,
    a.vsHoldout.absoluteLift.upper,
    Math.max(-1, a.vsHoldout.sequential.interval.lower),
    Math.min(1, a.vsHoldout.sequential.interval.upper),
    0,
  ]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.08 || 0.01;
  const x = (v: number) => left + ((v - lo + pad) / (hi - lo + 2 * pad)) * (width - left - right);
  const label = arms
    .map(
      (a) =>
        `${a.arm}: lift ${points(a.vsHoldout.absoluteLift.estimate)}, interval ${interval(a.vsHoldout.absoluteLift)}, always-valid ${interval(a.vsHoldout.sequential.interval)}`,
    )
    .join('; ');
  return (
    <figure class="lift-plot">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Lift against the holdout. ${label}`}>
        <line x1={x(0)} x2={x(0)} y1={8} y2={height - 24} class="zero" />
        <text x={x(0)} y={height - 8} text-anchor="middle">
          0
        </text>
        <text x={x(lo)} y={height - 8} text-anchor="start">
          {points(lo)}
        </text>
        <text x={x(hi)} y={height - 8} text-anchor="end">
          {points(hi)}
        </text>
        {arms.map((a, i) => {
          const y = 24 + i * row;
          const fixed = a.vsHoldout.absoluteLift;
          const seq = a.vsHoldout.sequential.interval;
          return (
            <g key={a.arm}>
              <text x={8} y={y + 4}>
                {a.arm}
              </text>
              <line
                x1={x(Math.max(lo - pad, seq.lower))}
                x2={x(Math.min(hi + pad, seq.upper))}
                y1={y + 10}
                y2={y + 10}
                class="seq"
              />
              <line x1={x(fixed.lower)} x2={x(fixed.upper)} y1={y} y2={y} class="fixed" />
              <circle cx={x(fixed.estimate)} cy={y} r={5} class="estimate" />
            </g>
          );
        })}
      </svg>
      <figcaption class="muted">
        Dot: lift in rate points. Thick line: the fixed-horizon interval. Thin line below: the always-valid
        interval the sequential guard decides on (it may be looked at every day).
      </figcaption>
    </figure>
  );
}

/** Cumulative conversion rate per arm by day, drawn by uPlot (its code loads with this chart only). */
function OverTime({ overTime }: { overTime: JourneyReport['overTime'] }) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();
  const days = [...new Set(overTime.map((p) => p.day))].sort();
  const arms = [...new Set(overTime.map((p) => p.arm))].sort();
  useEffect(() => {
    if (!el.current || days.length < 2) return;
    let plot: { destroy(): void } | undefined;
    let live = true;
    import('uplot').then(
      ({ default: UPlot }) => {
        if (!live || !el.current) return;
        const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
        const series = arms.map(
          (arm) =>
            days.map((d) => overTime.find((p) => p.day === d && p.arm === arm)?.rate ?? null) as (
              | number
              | null
            )[],
        );
        const colours = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#374151'];
        plot = new UPlot(
          {
            width: Math.max(280, el.current.clientWidth),
            height: 220,
            series: [
              {},
              ...arms.map((arm, i) => ({
                label: arm,
                stroke: colours[i % colours.length]!,
                width: 2,
                value: (_: unknown, v: number | null) => (v === null ? '—' : pct(v, 2)),
              })),
            ],
            axes: [{}, { size: 64, values: (_: unknown, ticks: number[]) => ticks.map((t) => pct(t, 1)) }],
          },
          [xs, ...series],
          el.current,
        );
      },
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
      plot?.destroy();
    };
  }, [overTime]);
  if (days.length < 2) return <p class="muted">Needs at least two days of exposures.</p>;
  const last = days.at(-1)!;
  return (
    <figure>
      <div
        ref={el}
        class="chart"
        role="img"
        aria-label={`Cumulative conversion rate per arm from ${days[0]} to ${last}`}
      />
      <figcaption class="muted">
        On {last}:{' '}
        {overTime
          .filter((p) => p.day === last)
          .map((p) => `${p.arm} ${pct(p.rate, 2)} of ${num(p.exposures)}`)
          .join(', ')}
      </figcaption>
      <ErrorNote error={error} />
    </figure>
  );
}

function FairnessTable({ findings }: { findings: readonly FairnessFinding[] }) {
  return (
    <Table
      caption="Outcomes by cohort"
      rows={findings}
      rowKey={(f) => `${f.trait}=${f.value}`}
      empty="No cohort traits recorded for this journey."
      columns={[
        { label: 'Trait', cell: (f) => f.trait },
        { label: 'Cohort', cell: (f) => f.value },
        { label: 'Exposures', numeric: true, cell: (f) => num(f.exposures) },
        { label: 'Send rate', numeric: true, cell: (f) => pct(f.sendRate) },
        { label: 'Offer rate', numeric: true, cell: (f) => pct(f.offerRate) },
        { label: 'Conversion rate', numeric: true, cell: (f) => pct(f.conversionRate, 2) },
        {
          label: 'Ratio to the best cohort',
          cell: (f) =>
            `send ${f.ratios.send.toFixed(2)}, offer ${f.ratios.offer.toFixed(2)}, conversion ${f.ratios.conversion.toFixed(2)}`,
        },
        {
          label: 'Flag',
          cell: (f) =>
            f.flagged.length ? (
              <span class="pill bad">{f.flagged.join(', ')}</span>
            ) : (
              <span class="pill ok">none</span>
            ),
        },
      ]}
    />
  );
}
