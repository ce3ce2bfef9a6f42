/** Data quality: freshness per source, profile completeness, duplicates, and the quarantine with samples. */
import type { QualityReport } from '../../../shared/domain/quality/report.js';
import type { QuarantineItem } from '../../../shared/ports/quarantine.js';
import { call } from '../api.js';
import type { PageProps } from '../app.js';
import { Card, Loaded, num, Page, pct, Stat, Table, useLoad, when } from '../ui.js';

interface QuarantinePage {
  readonly items: readonly QuarantineItem[];
  readonly countsByReason: Readonly<Record<string, number>>;
}

export default function DataQualityPage({ query }: PageProps) {
  const reason = query.get('reason') ?? undefined;
  const report = useLoad(() => call<QualityReport>('quality'), []);
  const quarantine = useLoad(
    () => call<QuarantinePage>('quarantine', { query: { limit: 20, reason } }),
    [reason],
  );
  return (
    <Page title="Data quality" intro="Is the data arriving, complete and clean?">
      <div class="grid">
        <Loaded state={report}>
          {(r) => (
            <>
              <Card title="Freshness">
                <Table
                  caption="Freshness by source"
                  rows={r.freshness.sources}
                  empty="No sources yet."
                  columns={[
                    { label: 'Source', cell: (s) => s.name ?? s.sourceId },
                    { label: 'Last event', cell: (s) => when(s.lastReceivedAt ?? undefined) },
                    {
                      label: 'Status',
                      cell: (s) => (
                        <span class={s.stale ? 'pill warn' : 'pill ok'}>{s.stale ? 'stale' : 'fresh'}</span>
                      ),
                    },
                  ]}
                />
                <p class="muted">Stale after {r.freshness.staleAfterMinutes} minutes without events.</p>
              </Card>
              <Card title="Completeness">
                <div class="stats">
                  <Stat label="Profiles" value={num(r.completeness.profiles)} />
                  <Stat
                    label="With email"
                    value={pct(r.completeness.withEmail / Math.max(1, r.completeness.profiles))}
                    detail={`${num(r.completeness.withEmail)} of ${num(r.completeness.profiles)}`}
                  />
                  <Stat
                    label="Email consent"
                    value={pct(r.completeness.emailMarketingConsent / Math.max(1, r.completeness.profiles))}
                    detail={`${num(r.completeness.emailMarketingConsent)} of ${num(r.completeness.profiles)}`}
                  />
                  <Stat
                    label="SMS consent"
                    value={pct(r.completeness.smsMarketingConsent / Math.max(1, r.completeness.profiles))}
                    detail={`${num(r.completeness.smsMarketingConsent)} of ${num(r.completeness.profiles)}`}
                  />
                </div>
                {!r.completeness.complete && (
                  <p class="muted">Counted over the first {num(r.completeness.scannedItems)} items.</p>
                )}
              </Card>
              <Card title="Duplicates">
                <div class="stats">
                  <Stat label="Profiles merged" value={num(r.duplicates.merged)} />
                  <Stat label="Merges refused" value={num(r.duplicates.refused)} />
                  <Stat label="Traits dropped" value={num(r.droppedTraits.total)} />
                </div>
              </Card>
            </>
          )}
        </Loaded>
        <Card title="Quarantine" wide>
          <Loaded state={quarantine}>
            {(q) => (
              <>
                <p>
                  {Object.entries(q.countsByReason).map(([k, v]) => (
                    <a
                      key={k}
                      class="pill"
                      href={`/data-quality?reason=${encodeURIComponent(k)}`}
                      style="margin-right:6px"
                    >
                      {k}: {num(v)}
                    </a>
                  ))}
                  {reason && <a href="/data-quality">show all</a>}
                </p>
                <Table
                  caption="Quarantined messages"
                  rows={q.items}
                  empty="Nothing quarantined."
                  columns={[
                    { label: 'Received', cell: (i) => when(i.receivedAt) },
                    { label: 'Reason', cell: (i) => i.reason },
                    { label: 'Route', cell: (i) => i.route ?? '—' },
                    {
                      label: 'Problem',
                      cell: (i) =>
                        (i.issues ?? [])
                          .map((x) => `${x.path.join('.') || '(message)'}: ${x.message}`)
                          .join('; ') || '—',
                    },
                    { label: 'Sample', cell: (i) => <pre>{i.excerpt.slice(0, 300)}</pre> },
                  ]}
                />
              </>
            )}
          </Loaded>
        </Card>
      </div>
    </Page>
  );
}
