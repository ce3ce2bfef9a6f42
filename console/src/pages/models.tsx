/**
 * Models: the inventory (each model, its promoted version, its versions with headline metrics),
 * a model card (metrics, calibration, gates, fairness by cohort, features, training window, known
 * risks, version history) and "Train now": the API publishes the training request and answers 202;
 * the page then polls the inventory until a version appears that was not there before.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ModelCardView, ModelInventoryEntry } from '../../../shared/domain/models/inventory.js';
import type { ModelVersionSummary } from '../../../shared/domain/models/registry.js';
import type { ModelTrainingRequestDetail } from '../../../shared/domain/models/training-request.js';
import { call } from '../api.js';
import { can, type PageProps } from '../app.js';
import {
  Card,
  ErrorNote,
  Field,
  issuesByField,
  Loaded,
  num,
  Page,
  pct,
  Table,
  useLoad,
  when,
} from '../ui.js';

interface Inventory {
  readonly models: readonly ModelInventoryEntry[];
}

export default function ModelsPage(props: PageProps) {
  const model = props.segments[0];
  return model ? (
    <ModelCardPage model={model} version={props.query.get('version') ?? undefined} />
  ) : (
    <InventoryPage {...props} />
  );
}

const metric = (v: number | undefined) =>
  v === undefined ? '—' : Number.isInteger(v) ? num(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);

function StatusPill({ status }: { status: string }) {
  const cls = status === 'promoted' ? 'pill ok' : status === 'rejected' ? 'pill bad' : 'pill';
  return <span class={cls}>{status}</span>;
}

function InventoryPage({ me }: PageProps) {
  const inventory = useLoad(() => call<Inventory>('modelsList'), []);
  return (
    <Page
      title="Models"
      intro="What scores people: each model's promoted version, its versions and how they did."
      actions={can(me, 'launch') ? <TrainNow onNewVersion={inventory.reload} /> : undefined}
    >
      <Card wide>
        <Loaded state={inventory}>
          {({ models }) => (
            <Table
              caption="Model inventory"
              rows={models}
              rowKey={(m) => m.model}
              columns={[
                { label: 'Model', cell: (m) => <a href={`/models/${m.model}`}>{m.model}</a> },
                { label: 'Purpose', cell: (m) => m.purpose },
                {
                  label: 'Promoted version',
                  cell: (m) =>
                    m.promoted ? `${m.promoted.version} (${when(m.promoted.statusChangedAt)})` : 'none',
                },
                { label: 'Versions', numeric: true, cell: (m) => num(m.versions.length) },
                {
                  label: 'Newest version',
                  cell: (m) =>
                    m.versions[0] ? (
                      <>
                        {m.versions[0].version} <StatusPill status={m.versions[0].status} />
                      </>
                    ) : (
                      'not trained yet'
                    ),
                },
                {
                  label: 'Metrics (promoted, else newest)',
                  cell: (m) => {
                    const v = m.promoted ?? m.versions[0];
                    return v ? m.headline.map((k) => `${k} ${metric(v.metrics[k])}`).join(' · ') : '—';
                  },
                },
              ]}
            />
          )}
        </Loaded>
      </Card>
    </Page>
  );
}

const POLL_MS = 2_000;
const POLL_LIMIT_MS = 180_000;

/** "Train now": publish the request, then watch the inventory for a version that is new. */
function TrainNow({ onNewVersion }: { onNewVersion: () => void }) {
  const [model, setModel] = useState('');
  const [request, setRequest] = useState<ModelTrainingRequestDetail>();
  const [fresh, setFresh] = useState<ModelVersionSummary[]>();
  const [gaveUp, setGaveUp] = useState(false);
  const [error, setError] = useState<unknown>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const versionsNow = async () => (await call<Inventory>('modelsList')).models.flatMap((m) => m.versions);

  const train = async (e: Event) => {
    e.preventDefault();
    clearTimeout(timer.current);
    setError(undefined);
    setFresh(undefined);
    setGaveUp(false);
    try {
      // Read before asking, so any version the run registers is recognisably new.
      const before = new Set((await versionsNow()).map((v) => `${v.model}/${v.version}`));
      const accepted = await call<{ accepted: true; request: ModelTrainingRequestDetail }>('modelsTrain', {
        body: model ? { model } : {},
      });
      setRequest(accepted.request);
      const started = Date.now();
      const poll = async () => {
        try {
          const found = (await versionsNow()).filter((v) => !before.has(`${v.model}/${v.version}`));
          if (found.length > 0) {
            setFresh(found);
            onNewVersion();
            return;
          }
        } catch (err) {
          setError(err);
          return;
        }
        if (Date.now() - started > POLL_LIMIT_MS) setGaveUp(true);
        else timer.current = setTimeout(() => void poll(), POLL_MS);
      };
      timer.current = setTimeout(() => void poll(), POLL_MS);
    } catch (err) {
      setError(err);
    }
  };
  const issues = issuesByField(error);
  return (
    <div class="train-now">
      <form class="row" onSubmit={(e) => void train(e)} aria-label="Train models now">
        <Field label="Model to train" id="train-model" error={issues.model}>
          <select
            id="train-model"
            value={model}
            onChange={(e) => setModel((e.target as HTMLSelectElement).value)}
          >
            <option value="">Every model</option>
            <option value="clv">clv</option>
            <option value="propensity">propensity</option>
          </select>
        </Field>
        <div class="field">
          <button type="submit">Train now</button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {request && (
          <p>
            Training of {request.model ?? 'every model'} requested at {when(request.requestedAt)} (request{' '}
            {request.requestId}).{' '}
            {fresh
              ? `New version: ${fresh.map((v) => `${v.model} ${v.version} (${v.status})`).join(', ')}.`
              : gaveUp
                ? 'No new version yet: the trainer skips a model without enough data (its log says why).'
                : 'Waiting for the new version…'}
          </p>
        )}
      </div>
      <ErrorNote error={error} />
    </div>
  );
}

function ModelCardPage({ model, version }: { model: string; version: string | undefined }) {
  const view = useLoad(
    () => call<ModelCardView>('modelGet', { params: { model }, query: { version } }),
    [model, version],
  );
  return (
    <Page
      title={`Model card: ${model}`}
      intro={version ? `version ${version}` : 'the promoted version (else the newest)'}
      actions={<a href="/models">All models</a>}
    >
      <Loaded state={view}>
        {(v) => {
          const c = v.card;
          return (
            <div class="grid">
              <Card title="Version">
                <dl class="facts">
                  <dt>Version</dt>
                  <dd>
                    {c.version} <StatusPill status={v.status} /> since {when(v.statusChangedAt)}
                  </dd>
                  <dt>Objective</dt>
                  <dd>{c.objective}</dd>
                  <dt>Owner</dt>
                  <dd>{c.owner}</dd>
                  <dt>Trained</dt>
                  <dd>{when(c.createdAt)}</dd>
                  <dt>Training window</dt>
                  <dd>
                    {c.trainingWindow.from} to {c.trainingWindow.to}
                  </dd>
                  <dt>Evaluated on</dt>
                  <dd>
                    {c.trainingWindow.holdoutFrom} to {c.trainingWindow.holdoutTo}
                  </dd>
                </dl>
              </Card>
              <Card title="Features">
                <ul class="plain">
                  {c.inputs.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </Card>
              <Card title="Metrics">
                <Table
                  caption="Metrics of this version"
                  rows={Object.entries(c.metrics)}
                  rowKey={([k]) => k}
                  columns={[
                    { label: 'Metric', cell: ([k]) => k },
                    { label: 'Value', numeric: true, cell: ([, m]) => metric(m) },
                  ]}
                />
              </Card>
              <Card title="Calibration">
                <Table
                  caption="Predicted against observed"
                  rows={v.calibration}
                  rowKey={(m) => m.metric}
                  empty="No calibration figures for this version."
                  columns={[
                    { label: 'Figure', cell: (m) => m.label },
                    { label: 'Value', numeric: true, cell: (m) => metric(m.value) },
                  ]}
                />
              </Card>
              <Card title="Promotion gates">
                <Table
                  caption="Promotion gates"
                  rows={c.gates}
                  rowKey={(g) => g.metric}
                  empty="No gates."
                  columns={[
                    { label: 'Metric', cell: (g) => g.metric },
                    {
                      label: 'Value',
                      numeric: true,
                      cell: (g) => (g.value === null ? 'n/a' : metric(g.value)),
                    },
                    {
                      label: 'Bound',
                      cell: (g) =>
                        [
                          g.min !== undefined ? `≥ ${g.min}` : '',
                          g.max !== undefined ? `≤ ${g.max}` : '',
                        ].join(' '),
                    },
                    {
                      label: 'Result',
                      cell: (g) => (
                        <span class={g.passed ? 'pill ok' : 'pill bad'}>{g.passed ? 'pass' : 'fail'}</span>
                      ),
                    },
                  ]}
                />
              </Card>
              <Card title="Fairness by cohort" wide>
                {c.fairness ? (
                  <>
                    <p class="muted">
                      Selected: score ≥ {c.fairness.threshold}. Cohorts under {c.fairness.minCohortSize}{' '}
                      people are not judged; a disparate impact below {c.fairness.minDisparateImpact} is
                      flagged.
                    </p>
                    {c.fairness.traits.map((t) => (
                      <div key={t.trait}>
                        <h3>
                          {t.trait}: disparate impact{' '}
                          {t.disparateImpact === null ? 'n/a' : t.disparateImpact.toFixed(3)}{' '}
                          {t.flagged && <span class="pill bad">flagged</span>}
                        </h3>
                        <Table
                          caption={`Scores by ${t.trait}`}
                          rows={t.cohorts}
                          rowKey={(co) => co.value}
                          columns={[
                            { label: 'Cohort', cell: (co) => co.value },
                            { label: 'People', numeric: true, cell: (co) => num(co.size) },
                            { label: 'Selected', numeric: true, cell: (co) => pct(co.selectionRate) },
                            { label: 'Mean score', numeric: true, cell: (co) => metric(co.scores.mean) },
                            { label: 'Median', numeric: true, cell: (co) => metric(co.scores.median) },
                            { label: 'Judged', cell: (co) => (co.judged ? 'yes' : 'too small') },
                          ]}
                        />
                      </div>
                    ))}
                  </>
                ) : (
                  <p class="muted">
                    No cohort traits declared (models.fairness.cohortTraits): fairness not measured.
                  </p>
                )}
              </Card>
              <Card title="Known risks">
                <ul>
                  {c.knownRisks.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </Card>
              <Card title="Version history" wide>
                <Table
                  caption="Version history"
                  rows={v.versions}
                  rowKey={(x) => x.version}
                  columns={[
                    {
                      label: 'Version',
                      cell: (x) =>
                        x.version === c.version ? (
                          <strong aria-current="true">{x.version}</strong>
                        ) : (
                          <a href={`/models/${model}?version=${encodeURIComponent(x.version)}`}>
                            {x.version}
                          </a>
                        ),
                    },
                    { label: 'Status', cell: (x) => <StatusPill status={x.status} /> },
                    { label: 'Trained', cell: (x) => when(x.createdAt) },
                    { label: 'Gates', cell: (x) => (x.gatesPassed ? 'passed' : 'failed') },
                    {
                      label: 'Metrics',
                      cell: (x) =>
                        Object.entries(x.metrics)
                          .slice(0, 4)
                          .map(([k, m]) => `${k} ${metric(m)}`)
                          .join(' · '),
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
