/**
 * Journeys: each journey with entered / active / converted / exited counts, and a journey's page:
 * its graph drawn from the deployed state machine with how many executions entered each state (the
 * graph's code loads only here), pause and resume, and a person's executions with their state.
 */
import { useEffect, useState } from 'preact/hooks';
import type {
  JourneyDetail,
  JourneySummary,
  PersonExecution,
} from '../../../shared/domain/journeys/admin.js';
import { call } from '../api.js';
import { can, type PageProps } from '../app.js';
import { PersonFinder } from '../person-finder.js';
import { navigate } from '../router.js';
import { Card, ErrorNote, Loaded, Loading, num, Page, Stat, Table, useLoad, when } from '../ui.js';

export default function JourneysPage(props: PageProps) {
  const id = props.segments[0];
  return id ? <Journey {...props} id={id} /> : <JourneyList />;
}

function status(j: JourneySummary) {
  if (!j.enabled) return <span class="pill">not deployed</span>;
  if (j.pause?.paused) return <span class="pill warn">paused</span>;
  return <span class="pill ok">live</span>;
}

function JourneyList() {
  const list = useLoad(() => call<{ journeys: JourneySummary[] }>('journeysList'), []);
  return (
    <Page
      title="Journeys"
      intro="Each journey's state machine, who entered it, who is in it now, who converted."
    >
      <Loaded state={list}>
        {({ journeys }) => (
          <Card wide>
            <Table
              caption="Journeys with their counts"
              rows={journeys}
              rowKey={(j) => j.id}
              columns={[
                {
                  label: 'Journey',
                  cell: (j) => <a href={`/journeys/${encodeURIComponent(j.id)}`}>{j.name}</a>,
                },
                { label: 'Status', cell: status },
                { label: 'Entered', numeric: true, cell: (j) => num(j.counts.entered) },
                {
                  label: 'Active',
                  numeric: true,
                  cell: (j) => `${num(j.counts.active)}${j.counts.activeCapped ? '+' : ''}`,
                },
                { label: 'Converted', numeric: true, cell: (j) => num(j.counts.converted) },
                { label: 'Exited', numeric: true, cell: (j) => num(j.counts.exited) },
                {
                  label: 'State machine',
                  cell: (j) => <code>{j.stateMachineArn?.split(':').pop() ?? '—'}</code>,
                },
              ]}
            />
          </Card>
        )}
      </Loaded>
    </Page>
  );
}

type GraphModule = typeof import('../graph/journey-graph.js');

function Journey({ id, me, query }: PageProps & { id: string }) {
  const profileId = query.get('profileId') ?? undefined;
  const detail = useLoad(
    () => call<{ journey: JourneyDetail }>('journeyGet', { params: { journeyId: id }, query: { profileId } }),
    [id, profileId],
  );
  const [Graph, setGraph] = useState<GraphModule['default']>();
  const [selected, setSelected] = useState<string>();
  useEffect(() => {
    // The layout and SVG code is its own chunk, fetched only on a journey's page.
    void import('../graph/journey-graph.js').then((m) => setGraph(() => m.default));
  }, []);
  const title = detail.data?.journey.name ?? id;
  return (
    <Page
      title={title}
      intro={detail.data?.journey.description}
      actions={
        detail.data && can(me, 'launch') && <PauseButton journey={detail.data.journey} done={detail.reload} />
      }
    >
      <p>
        <a href="/journeys">All journeys</a>
      </p>
      <Loaded state={detail}>
        {({ journey: j }) => (
          <div class="grid">
            <Card title="Counts">
              <div class="stats">
                <Stat
                  label="Entered"
                  value={num(j.counts.entered)}
                  detail={`${num(j.counts.control)} in global control`}
                />
                <Stat label="Active" value={`${num(j.counts.active)}${j.counts.activeCapped ? '+' : ''}`} />
                <Stat label="Converted" value={num(j.counts.converted)} />
                <Stat label="Exited" value={num(j.counts.exited)} />
              </div>
              <p>
                Status: {status(j)}
                {j.pause && (
                  <span class="muted">
                    {' '}
                    {j.pause.paused ? 'paused' : 'resumed'} by {j.pause.by} at {when(j.pause.at)}
                  </span>
                )}
              </p>
            </Card>
            <PersonLookup journeyId={j.id} person={j.person} />
            <Card title="Graph" wide>
              <p class="muted">
                Drawn from the deployed state machine. Counts are executions that entered each state, of the
                latest {num(j.sample.executions)} execution{j.sample.executions === 1 ? '' : 's'}
                {j.sample.more ? ` (there are more)` : ''}.
              </p>
              {j.graph.nodes.length === 0 ? (
                <p class="muted">This journey has no state machine here.</p>
              ) : Graph ? (
                <div class="graph-wrap">
                  <Graph
                    graph={j.graph}
                    counts={j.stateCounts}
                    current={j.currentCounts}
                    sampled={j.sample.executions}
                    {...(selected ? { selected } : {})}
                    onSelect={setSelected}
                  />
                </div>
              ) : (
                <Loading what="Drawing the graph" />
              )}
              {selected && <StateDetail detail={j} state={selected} />}
            </Card>
          </div>
        )}
      </Loaded>
    </Page>
  );
}

function StateDetail({ detail, state }: { detail: JourneyDetail; state: string }) {
  const node = detail.graph.nodes.find((n) => n.id === state);
  if (!node) return null;
  const out = detail.graph.edges.filter((e) => e.from === state);
  return (
    <div class="state-detail" aria-live="polite">
      <h3>{state}</h3>
      <p>
        {node.type} state of step <code>{node.step}</code>: entered by {num(detail.stateCounts[state] ?? 0)}{' '}
        of {num(detail.sample.executions)} sampled executions, {num(detail.currentCounts[state] ?? 0)} there
        now.
      </p>
      {node.comment && <p class="muted">{node.comment}</p>}
      {out.length > 0 && (
        <ul>
          {out.map((e) => (
            <li key={`${e.kind}-${e.to}`}>
              {e.kind} → <code>{e.to}</code>
              {e.label ? <span class="muted"> ({e.label})</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PauseButton({ journey, done }: { journey: JourneySummary; done: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  if (!journey.enabled) return null;
  const paused = journey.pause?.paused === true;
  const toggle = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await call(paused ? 'journeyResume' : 'journeyPause', { params: { journeyId: journey.id }, body: {} });
      done();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={paused ? undefined : 'secondary'}
        disabled={busy}
        onClick={() => void toggle()}
      >
        {paused ? 'Resume journey' : 'Pause journey'}
      </button>
      <ErrorNote error={error} />
    </>
  );
}

function PersonLookup(props: { journeyId: string; person: JourneyDetail['person'] }) {
  return (
    <Card title="A person's executions">
      <PersonFinder
        idPrefix="person"
        label="Find a person's executions"
        submitLabel="Show executions"
        initialType="userId"
        allowProfileId
        onFound={(profileId) =>
          navigate(
            `/journeys/${encodeURIComponent(props.journeyId)}?profileId=${encodeURIComponent(profileId)}`,
          )
        }
      />
      {props.person && (
        <Table<PersonExecution>
          caption={`Executions of profile ${props.person.profileId}`}
          rows={props.person.executions}
          empty="This person has not entered this journey."
          rowKey={(x) => x.executionName}
          columns={[
            { label: 'Entered', cell: (x) => when(x.enteredAt) },
            { label: 'Arm', cell: (x) => x.arm },
            { label: 'Status', cell: (x) => x.status },
            {
              label: 'Current state',
              cell: (x) => (x.currentState ? <code>{x.currentState.name}</code> : '—'),
            },
            { label: 'Ended', cell: (x) => when(x.stopDate) },
          ]}
        />
      )}
    </Card>
  );
}
