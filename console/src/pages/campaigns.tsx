/**
 * Campaigns: create a run (a campaign journey or one message, an audience, a rate, a start time in
 * a time zone), estimate it (audience size and the skips the send rules would make now), launch it,
 * and follow its progress live. Every check is the API's: a refused field comes back in `issues`
 * and is shown beside the field; nothing starts until the launch is accepted.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SavedAudience } from '../../../shared/domain/campaigns/audiences.js';
import type { CampaignEstimate } from '../../../shared/domain/campaigns/estimate.js';
import type { RunProgress, RunRecord } from '../../../shared/domain/campaigns/runs.js';
import { ApiError, call } from '../api.js';
import type { PageProps } from '../app.js';
import { navigate } from '../router.js';
import {
  Card,
  ErrorNote,
  Field,
  issuesByField,
  Loaded,
  num,
  Page,
  pct,
  Stat,
  Table,
  useLoad,
  when,
} from '../ui.js';
import { describeAudience } from './audience-rule.js';

interface RunList {
  readonly runs: RunRecord[];
  readonly journeys: { id: string; name: string }[];
}

export default function CampaignsPage(props: PageProps) {
  const runId = props.segments[0];
  return runId ? <Progress runId={runId} /> : <CreateRun {...props} />;
}

const CHANNELS = [
  { value: 'email', label: 'Email' },
  { value: 'sms', label: 'SMS' },
  { value: 'push', label: 'Push' },
  { value: 'inApp', label: 'In-app' },
];

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function CreateRun({ query }: PageProps) {
  const list = useLoad(() => call<RunList>('campaignList'), []);
  const audiences = useLoad(() => call<{ audiences: SavedAudience[] }>('audienceList'), []);
  const [kind, setKind] = useState<'journey' | 'message'>('journey');
  const [journey, setJourney] = useState('loyalty-referral');
  const [channel, setChannel] = useState('email');
  const [intent, setIntent] = useState('');
  const [audienceChoice, setAudienceChoice] = useState(
    query.get('audienceId') ? `saved:${query.get('audienceId')}` : 'everyone',
  );
  const [rule, setRule] = useState(
    '{"all":[{"source":"features","path":"ordersCount","op":"gte","value":1}]}',
  );
  const [rate, setRate] = useState('10');
  const [startAt, setStartAt] = useState('');
  const [timeZone, setTimeZone] = useState(localZone());
  const [runId, setRunId] = useState('');
  const [estimate, setEstimate] = useState<CampaignEstimate>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<'' | 'estimate' | 'launch'>('');
  const errors = issuesByField(error);
  const [ruleError, setRuleError] = useState('');

  const body = (): Record<string, unknown> | undefined => {
    setRuleError('');
    let audience: Record<string, unknown> = {};
    if (audienceChoice.startsWith('saved:')) audience = { audienceId: audienceChoice.slice(6) };
    else if (audienceChoice === 'rule') {
      try {
        audience = { audience: JSON.parse(rule) as unknown };
      } catch {
        setRuleError('the rule is not JSON');
        return undefined;
      }
    }
    return {
      ...(kind === 'journey' ? { journey: journey.trim() } : { message: { channel, intent: intent.trim() } }),
      ...audience,
      ...(rate.trim() !== '' ? { ratePerSecond: Number(rate) } : {}),
      ...(startAt ? { startAt, timeZone: timeZone.trim() } : {}),
      ...(runId.trim() ? { runId: runId.trim() } : {}),
    };
  };

  const doEstimate = async () => {
    const b = body();
    if (!b) return;
    setError(undefined);
    setBusy('estimate');
    try {
      setEstimate(await call<CampaignEstimate>('campaignEstimate', { body: b }));
    } catch (err) {
      setEstimate(undefined);
      setError(err);
    } finally {
      setBusy('');
    }
  };
  const launch = async (e: Event) => {
    e.preventDefault();
    const b = body();
    if (!b) return;
    setError(undefined);
    setBusy('launch');
    try {
      const { run } = await call<{ run: RunRecord }>('campaignLaunch', { body: b });
      navigate(`/campaigns/${encodeURIComponent(run.runId)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy('');
    }
  };
  const general =
    error && (!(error instanceof ApiError) || error.issues.length === 0) ? <ErrorNote error={error} /> : null;

  return (
    <Page
      title="Campaigns"
      intro="Run a campaign journey or one message for an audience, at a rate, from a start time."
    >
      <div class="grid">
        <Card title="New run" wide>
          <form onSubmit={(e) => void launch(e)} aria-label="New campaign run">
            <div class="row">
              <Field label="Run" id="run-kind">
                <select
                  id="run-kind"
                  value={kind}
                  onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'journey' | 'message')}
                >
                  <option value="journey">a campaign journey</option>
                  <option value="message">one message</option>
                </select>
              </Field>
              {kind === 'journey' ? (
                <Field label="Journey" id="run-journey" error={errors.journey}>
                  <input
                    id="run-journey"
                    list="run-journeys"
                    value={journey}
                    aria-invalid={errors.journey ? true : undefined}
                    onInput={(e) => setJourney((e.target as HTMLInputElement).value)}
                  />
                  <datalist id="run-journeys">
                    {(list.data?.journeys ?? []).map((j) => (
                      <option key={j.id} value={j.id}>
                        {j.name}
                      </option>
                    ))}
                  </datalist>
                </Field>
              ) : (
                <>
                  <Field label="Channel" id="run-channel" error={errors['message.channel']}>
                    <select
                      id="run-channel"
                      value={channel}
                      onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}
                    >
                      {CHANNELS.map((c) => (
                        <option key={c.value} value={c.value}>
                          {c.label}
                        </option>
                      ))}
                    </select>
                  </Field>
                  <Field
                    label="Content intent"
                    id="run-intent"
                    error={errors['message.intent'] ?? errors.message ?? errors.journey}
                    hint="approved variants of this intent are sent"
                  >
                    <input
                      id="run-intent"
                      value={intent}
                      placeholder="bestsellers"
                      onInput={(e) => setIntent((e.target as HTMLInputElement).value)}
                    />
                  </Field>
                </>
              )}
            </div>
            <div class="row">
              <Field label="Audience" id="run-audience" error={errors.audienceId}>
                <select
                  id="run-audience"
                  value={audienceChoice}
                  onChange={(e) => setAudienceChoice((e.target as HTMLSelectElement).value)}
                >
                  <option value="everyone">everyone</option>
                  {(audiences.data?.audiences ?? []).map((a) => (
                    <option key={a.id} value={`saved:${a.id}`}>
                      {a.name}
                    </option>
                  ))}
                  {audienceChoice.startsWith('saved:') &&
                    !audiences.data?.audiences.some((a) => `saved:${a.id}` === audienceChoice) && (
                      <option value={audienceChoice}>{audienceChoice.slice(6)}</option>
                    )}
                  <option value="rule">a rule (JSON)</option>
                </select>
              </Field>
              {audienceChoice === 'rule' && (
                <Field
                  label="Rule"
                  id="run-rule"
                  error={ruleError || Object.entries(errors).find(([k]) => k.startsWith('audience'))?.[1]}
                  hint="as built on the Audiences page"
                >
                  <textarea
                    id="run-rule"
                    rows={3}
                    value={rule}
                    onInput={(e) => setRule((e.target as HTMLTextAreaElement).value)}
                  />
                </Field>
              )}
            </div>
            <div class="row">
              <Field label="People per second" id="run-rate" error={errors.ratePerSecond}>
                <input
                  id="run-rate"
                  type="number"
                  step="any"
                  value={rate}
                  onInput={(e) => setRate((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field label="Start" id="run-start" error={errors.startAt} hint="empty: now">
                <input
                  id="run-start"
                  type="datetime-local"
                  value={startAt}
                  onInput={(e) => setStartAt((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field label="Time zone" id="run-zone" error={errors.timeZone} hint="IANA, e.g. Europe/Berlin">
                <input
                  id="run-zone"
                  value={timeZone}
                  onInput={(e) => setTimeZone((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field label="Run id" id="run-id" error={errors.runId} hint="optional; used once">
                <input
                  id="run-id"
                  value={runId}
                  onInput={(e) => setRunId((e.target as HTMLInputElement).value)}
                />
              </Field>
            </div>
            <div class="actions">
              <button
                type="button"
                class="secondary"
                disabled={busy !== ''}
                onClick={() => void doEstimate()}
              >
                Estimate
              </button>
              <button type="submit" disabled={busy !== ''}>
                Launch
              </button>
            </div>
          </form>
          {busy && (
            <p class="muted" role="status">
              {busy === 'estimate' ? 'Estimating…' : 'Launching…'}
            </p>
          )}
          {general}
        </Card>
        {estimate && <EstimateView estimate={estimate} />}
        <Card title="Runs" wide>
          <Loaded state={list}>
            {(l) => (
              <Table
                caption="Campaign runs"
                rows={l.runs}
                empty="No runs yet."
                rowKey={(r) => r.runId}
                columns={[
                  {
                    label: 'Run',
                    cell: (r) => <a href={`/campaigns/${encodeURIComponent(r.runId)}`}>{r.runId}</a>,
                  },
                  { label: 'What', cell: (r) => runWhat(r) },
                  { label: 'Audience', cell: (r) => r.audienceName ?? describeAudience(r.audience) },
                  { label: 'Rate', cell: (r) => `${num(r.ratePerSecond)}/s`, numeric: true },
                  { label: 'Starts', cell: (r) => when(r.startAt ?? r.createdAt) },
                  { label: 'By', cell: (r) => r.createdBy },
                ]}
              />
            )}
          </Loaded>
        </Card>
      </div>
    </Page>
  );
}

const runWhat = (r: Pick<RunRecord, 'journey' | 'message'>) =>
  r.message ? `${r.message.channel} message: ${r.message.intent}` : r.journey;

function EstimateView({ estimate: e }: { estimate: CampaignEstimate }) {
  const skips = Object.entries(e.expectedSkips).sort((a, b) => b[1] - a[1]);
  return (
    <Card title="Estimate" wide>
      <div class="stats">
        <Stat
          label="Audience size"
          value={`${e.audience.complete ? '' : 'at least '}${num(e.audience.count)}`}
          detail={`of ${num(e.audience.scanned)} profiles scanned`}
        />
        <Stat label="Would send now" value={num(e.sendable)} detail={`of ${num(e.checked)} checked`} />
        <Stat
          label="Expected skips"
          value={num(e.checked - e.sendable)}
          detail={e.channel ? `on ${e.channel}` : undefined}
        />
        <Stat label="Held out" value={pct(e.holdoutShare, 0)} detail="on purpose, to measure lift" />
      </div>
      <Table
        caption="Expected skips by reason"
        rows={skips}
        empty="No one would be skipped now."
        columns={[
          { label: 'Reason', cell: ([r]) => r },
          { label: 'People', cell: ([, n]) => num(n), numeric: true },
        ]}
      />
      {e.contentGaps.length > 0 && (
        <p class="warn" role="note">
          No approved content for{' '}
          {e.contentGaps.map((g) => `${g.step} (${g.channel}, ${g.intent})`).join('; ')}: those sends skip
          until a variant is approved.
        </p>
      )}
    </Card>
  );
}

const FINAL = new Set(['done', 'failed', 'stopped']);

/** Polls the run every 1.5 s until it ends. */
function Progress({ runId }: { runId: string }) {
  const [state, setState] = useState<{ data?: RunProgress; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const data = await call<RunProgress>('campaignGet', { params: { runId } });
        if (!live) return;
        setState({ data });
        if (!FINAL.has(data.phase)) timer = setTimeout(() => void tick(), 1500);
      } catch (error) {
        if (!live) return;
        setState((s) => ({ ...s, error }));
        if (!(error instanceof ApiError && error.status < 500)) timer = setTimeout(() => void tick(), 3000);
      }
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [runId]);
  const p = state.data;
  const skips = p ? Object.entries(p.skipped).sort((a, b) => b[1] - a[1]) : [];
  return (
    <Page
      title={`Run ${runId}`}
      intro={p ? `${runWhat(p.run)} · ${p.run.audienceName ?? describeAudience(p.run.audience)}` : undefined}
    >
      <p>
        <a href="/campaigns">All runs</a>
      </p>
      <ErrorNote error={state.error} />
      {p && (
        <div class="grid">
          <Card title="Progress" wide>
            <p role="status" aria-live="polite">
              Status:{' '}
              <span class={p.phase === 'failed' ? 'pill bad' : p.phase === 'done' ? 'pill ok' : 'pill warn'}>
                {p.phase}
              </span>
              {!FINAL.has(p.phase) && <span class="muted"> (updating)</span>}
            </p>
            {p.error && (
              <p class="error" role="alert">
                {p.error.code}: {p.error.message}
              </p>
            )}
            <div class="stats">
              <Stat
                label="Requested"
                value={num(p.requested)}
                detail={`of ${num(p.scanned)} profiles scanned`}
              />
              <Stat label="Started" value={num(p.started)} />
              <Stat label="Sent" value={num(p.sent)} />
              <Stat label="Skipped" value={num(p.skippedTotal)} />
              <Stat
                label="Held out"
                value={num(p.holdout + p.control)}
                detail={`${num(p.control)} in the global control`}
              />
              <Stat label="Pending" value={num(p.pending)} />
            </div>
            {!p.complete && <p class="muted">Counts cover the first members of a large run.</p>}
          </Card>
          <Card title="Skipped by reason">
            <Table
              caption="Skipped by reason"
              rows={skips}
              empty="Nothing skipped."
              columns={[
                { label: 'Reason', cell: ([r]) => r },
                { label: 'People', cell: ([, n]) => num(n), numeric: true },
              ]}
            />
          </Card>
          <Card title="Run">
            <dl class="facts">
              <div>
                <dt>Launched</dt>
                <dd>
                  {when(p.run.createdAt)} by {p.run.createdBy}
                </dd>
              </div>
              <div>
                <dt>Starts</dt>
                <dd>
                  {p.run.startAt
                    ? `${when(p.run.startAt)}${p.run.timeZone ? ` (${p.run.timeZone})` : ''}`
                    : 'at launch'}
                </dd>
              </div>
              <div>
                <dt>Rate</dt>
                <dd>{num(p.run.ratePerSecond)} people a second</dd>
              </div>
              <div>
                <dt>Failed sends</dt>
                <dd>{num(p.failed)}</dd>
              </div>
              <div>
                <dt>Ended without a send</dt>
                <dd>{num(p.noSend)}</dd>
              </div>
            </dl>
          </Card>
        </div>
      )}
    </Page>
  );
}
