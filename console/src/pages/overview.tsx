/**
 * Overview: the north star and its trend, events per day, sends by channel and skips by reason,
 * running journeys, and the open alerts, each linking to the page that fixes it. Charts are small
 * inline SVGs (no chart library in this chunk); every chart has a text equivalent.
 */
import type { Overview, OverviewAlert } from '../../../shared/api/overview.js';
import { call } from '../api.js';
import type { PageProps } from '../app.js';
import { Card, Loaded, num, Page, pct, Stat, Table, useLoad } from '../ui.js';

const PAGE_NAME: Record<OverviewAlert['page'], string> = {
  content: 'Content',
  experiments: 'Experiments',
  models: 'Models',
  'data-quality': 'Data quality',
  journeys: 'Journeys',
};

/** A line through the points, scaled into a small box. */
function Sparkline(props: { values: readonly number[]; label: string }) {
  const w = 240;
  const h = 48;
  const max = Math.max(...props.values, 0);
  const min = Math.min(...props.values, 0);
  const span = max - min || 1;
  const step = props.values.length > 1 ? w / (props.values.length - 1) : w;
  const points = props.values
    .map((v, i) => `${(i * step).toFixed(1)},${(h - 4 - ((v - min) / span) * (h - 8)).toFixed(1)}`)
    .join(' ');
  return (
    <svg class="spark" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={props.label}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}

/** One bar per day. */
function Bars(props: { values: readonly { day: string; count: number }[]; label: string }) {
  const w = 600;
  const h = 120;
  const max = Math.max(1, ...props.values.map((v) => v.count));
  const bw = w / Math.max(1, props.values.length);
  return (
    <svg
      class="bars"
      viewBox={`0 0 ${w} ${h}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={props.label}
    >
      {props.values.map((v, i) => {
        const bh = (v.count / max) * (h - 4);
        return (
          <rect key={v.day} x={i * bw + 1} y={h - bh} width={Math.max(1, bw - 2)} height={bh}>
            <title>{`${v.day}: ${num(v.count)} events`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

const entries = (r: Readonly<Record<string, number>>) => Object.entries(r).sort((a, b) => b[1] - a[1]);

export default function OverviewPage(_: PageProps) {
  const state = useLoad(() => call<Overview>('overview'), []);
  return (
    <Page title="Overview" intro="How the platform is doing, and what needs attention.">
      <Loaded state={state}>
        {(o) => {
          const total = o.eventsPerDay.reduce((n, d) => n + d.count, 0);
          const trend = o.northStar.trend;
          return (
            <div class="grid">
              <Card title="Alerts" wide>
                {o.alerts.length === 0 ? (
                  <p class="muted">No open alerts.</p>
                ) : (
                  <ul class="alerts">
                    {o.alerts.map((a) => (
                      <li
                        key={`${a.kind}-${a.journey ?? ''}-${a.step ?? ''}-${a.message}`}
                        class={`alert ${a.severity}`}
                      >
                        <span class={a.severity === 'critical' ? 'pill bad' : 'pill warn'}>
                          {a.kind.replaceAll('_', ' ')}
                        </span>{' '}
                        {a.message} <a href={a.href}>Fix in {PAGE_NAME[a.page]}</a>
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
              <Card title="North star">
                <Stat
                  label={
                    o.northStar.metric === 'repeatPurchaseRate'
                      ? 'Repeat purchase rate'
                      : 'Incremental revenue'
                  }
                  value={
                    o.northStar.metric === 'repeatPurchaseRate'
                      ? pct(o.northStar.value)
                      : num(o.northStar.value)
                  }
                  detail={o.northStar.detail}
                />
                {trend.length > 1 && (
                  <Sparkline
                    values={trend.map((t) => t.value)}
                    label={`Trend over ${trend.length} days: from ${pct(trend[0]?.value)} to ${pct(trend.at(-1)?.value)}`}
                  />
                )}
              </Card>
              <Card title="Events per day">
                <Stat
                  label="Last 30 days"
                  value={num(total)}
                  detail={`today ${num(o.eventsPerDay.at(-1)?.count)}`}
                />
                <Bars
                  values={o.eventsPerDay}
                  label={`Events per day over 30 days, ${num(total)} in all, at most ${num(Math.max(0, ...o.eventsPerDay.map((d) => d.count)))} a day`}
                />
              </Card>
              <Card title="Sends by channel">
                <Table
                  caption={`Messages sent by channel, last ${o.messages.days} days`}
                  rows={entries(o.messages.sentByChannel)}
                  empty="Nothing sent in the last 7 days."
                  columns={[
                    { label: 'Channel', cell: ([k]) => k },
                    { label: 'Sent', cell: ([, v]) => num(v), numeric: true },
                  ]}
                />
              </Card>
              <Card title="Skips by reason">
                <Table
                  caption={`Messages skipped by reason, last ${o.messages.days} days`}
                  rows={entries(o.messages.skippedByReason)}
                  empty="Nothing skipped in the last 7 days."
                  columns={[
                    { label: 'Reason', cell: ([k]) => k },
                    { label: 'Skipped', cell: ([, v]) => num(v), numeric: true },
                  ]}
                />
                {Object.keys(o.messages.failedByReason).length > 0 && (
                  <p class="muted">
                    Failed:{' '}
                    {entries(o.messages.failedByReason)
                      .map(([k, v]) => `${k} ${num(v)}`)
                      .join(', ')}
                  </p>
                )}
                {o.messages.reconciled.resent + o.messages.reconciled.unknown > 0 && (
                  <p class="muted">
                    Outcome unknown after a provider timeout or crash: {num(o.messages.reconciled.resent)}{' '}
                    transactional re-sent, {num(o.messages.reconciled.unknown)} marketing not sent again
                  </p>
                )}
              </Card>
              <Card title="Active journeys" wide>
                <Table
                  caption="Running executions per journey"
                  rows={o.journeys}
                  columns={[
                    {
                      label: 'Journey',
                      cell: (j) => <a href={`/journeys/${encodeURIComponent(j.journey)}`}>{j.name}</a>,
                    },
                    {
                      label: 'Running',
                      cell: (j) => `${num(j.running)}${j.capped ? '+' : ''}`,
                      numeric: true,
                    },
                  ]}
                />
              </Card>
            </div>
          );
        }}
      </Loaded>
    </Page>
  );
}
