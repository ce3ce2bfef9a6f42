/**
 * People: find a person by user id, email or phone (the API hashes the identifier and looks it up
 * in the identity index), and a person's page: traits, consent, scores, timeline, messages sent and
 * skipped with the reason, journeys, experiment assignments; export and erasure for admins.
 */
import { useState } from 'preact/hooks';
import type { PersonActivity } from '../../../shared/api/people.js';
import type { ProfileView } from '../../../shared/domain/privacy/operations.js';
import type { PrivacyJob } from '../../../shared/ports/privacy-jobs.js';
import { call } from '../api.js';
import { can, type PageProps } from '../app.js';
import { PersonFinder } from '../person-finder.js';
import { navigate } from '../router.js';
import { Card, ConfirmAction, ErrorNote, Loaded, Page, Table, useLoad, when } from '../ui.js';

export default function PeoplePage(props: PageProps) {
  const id = props.segments[0];
  return id ? <Person {...props} profileId={id} /> : <Search />;
}

function Search() {
  return (
    <Page
      title="People"
      intro="Find a person by an identifier. Identifiers are normalised and hashed before the look-up."
    >
      <PersonFinder
        idPrefix="lookup"
        label="Find a person"
        submitLabel="Find"
        placeholder="person@example.com"
        onFound={(profileId) => navigate(`/people/${encodeURIComponent(profileId)}`)}
      />
    </Page>
  );
}

interface StoredEvent {
  readonly messageId: string;
  readonly type: string;
  readonly timestamp: string;
  readonly event?: string;
  readonly name?: string;
  readonly properties?: Record<string, unknown>;
}

function eventLine(e: StoredEvent): string {
  const p = e.properties ?? {};
  const bits = ['product_id', 'order_id', 'revenue', 'query', 'score', 'ticket_id']
    .filter((k) => p[k] !== undefined)
    .map((k) => `${k}=${String(p[k])}`);
  return [e.event ?? e.name ?? e.type, ...bits].join(' · ');
}

function Person({ me, profileId }: PageProps & { profileId: string }) {
  const profile = useLoad(
    () => call<{ profile: ProfileView }>('profileGet', { params: { profileId } }),
    [profileId],
  );
  const activity = useLoad(
    () => call<PersonActivity>('profileActivity', { params: { profileId } }),
    [profileId],
  );
  const person = profile.data?.profile;
  const userId = person?.identities.userId?.[0];
  const anonymousId = person?.identities.anonymousId?.[0];
  const events = useLoad(
    async () =>
      userId || anonymousId
        ? call<{ events: StoredEvent[] }>('events', {
            query: userId ? { userId, limit: 200 } : { anonymousId, limit: 200 },
          })
        : { events: [] },
    [userId, anonymousId],
  );
  return (
    <Page
      title={person?.traits.firstName ? `Person: ${String(person.traits.firstName)}` : 'Person'}
      intro={profileId}
      actions={person && can(me, 'erase') ? <PrivacyActions profileId={profileId} /> : undefined}
    >
      <Loaded state={profile}>
        {({ profile: p }) => (
          <div class="grid">
            <Card title="Traits">
              <Table
                caption="Traits"
                rows={Object.entries(p.traits)}
                empty="No traits."
                columns={[
                  { label: 'Trait', cell: ([k]) => k },
                  { label: 'Value', cell: ([, v]) => String(v) },
                ]}
              />
            </Card>
            <Card title="Consent">
              <Table
                caption="Consent by channel and purpose"
                rows={Object.entries(p.consent)}
                empty="No consent recorded: nothing is sent."
                columns={[
                  { label: 'Channel and purpose', cell: ([k]) => k },
                  {
                    label: 'Status',
                    cell: ([, c]) => (
                      <span class={c.granted ? 'pill ok' : 'pill bad'}>
                        {c.granted ? 'granted' : 'withdrawn'}
                      </span>
                    ),
                  },
                  { label: 'Since', cell: ([, c]) => when(c.at) },
                  { label: 'Source', cell: ([, c]) => c.source },
                ]}
              />
              <Loaded state={activity}>
                {(a) =>
                  a.consentHistory.length > 0 && (
                    <>
                      <h3>History</h3>
                      <ul class="plain">
                        {a.consentHistory.map((c) => (
                          <li key={`${c.key}${c.at}`}>
                            {when(c.at)}: {c.key} {c.granted ? 'granted' : 'withdrawn'} ({c.source})
                          </li>
                        ))}
                      </ul>
                    </>
                  )
                }
              </Loaded>
            </Card>
            <Card title="Scores">
              <Loaded state={activity}>
                {(a) => (
                  <Table
                    caption="Scores"
                    rows={a.scores}
                    empty="Not scored yet."
                    columns={[
                      { label: 'Score', cell: (s) => s.name },
                      {
                        label: 'Value',
                        cell: (s) => (typeof s.value === 'number' ? s.value.toFixed(3) : s.value),
                        numeric: true,
                      },
                      { label: 'Model', cell: (s) => s.modelVersion ?? 'built-in' },
                      { label: 'Why', cell: (s) => (s.explanation ?? []).join('; ') || '—' },
                    ]}
                  />
                )}
              </Loaded>
            </Card>
            <Card title="Journeys">
              <Loaded state={activity}>
                {(a) => (
                  <>
                    <Table
                      caption="Journeys"
                      rows={a.journeys}
                      empty="In no journey."
                      columns={[
                        {
                          label: 'Journey',
                          cell: (j) => <a href={`/journeys/${encodeURIComponent(j.journey)}`}>{j.journey}</a>,
                        },
                        { label: 'Status', cell: (j) => j.status },
                        { label: 'Step', cell: (j) => j.step ?? '—' },
                        { label: 'Started', cell: (j) => when(j.startedAt) },
                      ]}
                    />
                    <h3>Experiment assignments</h3>
                    <Table
                      caption="Experiment assignments"
                      rows={a.assignments}
                      empty="No assignments."
                      columns={[
                        { label: 'Experiment', cell: (x) => x.experiment },
                        { label: 'Arm', cell: (x) => x.arm },
                        { label: 'Since', cell: (x) => when(x.at) },
                      ]}
                    />
                  </>
                )}
              </Loaded>
            </Card>
            <Card title="Messages" wide>
              <Loaded state={activity}>
                {(a) => (
                  <Table
                    caption="Messages sent and skipped"
                    rows={a.messages}
                    empty="No messages decided for this person yet."
                    columns={[
                      { label: 'When', cell: (m) => when(m.at) },
                      { label: 'Channel', cell: (m) => m.channel },
                      {
                        label: 'Journey step',
                        cell: (m) => [m.journey, m.step].filter(Boolean).join(' › ') || '—',
                      },
                      {
                        label: 'Outcome',
                        cell: (m) => (
                          <span
                            class={
                              m.status === 'skipped'
                                ? 'pill warn'
                                : m.status === 'failed'
                                  ? 'pill bad'
                                  : 'pill ok'
                            }
                          >
                            {m.status}
                          </span>
                        ),
                      },
                      { label: 'Reason', cell: (m) => m.reason ?? '—' },
                    ]}
                  />
                )}
              </Loaded>
            </Card>
            <Card title="Timeline" wide>
              <Loaded state={events}>
                {(e) => (
                  <Table
                    caption="Timeline of events"
                    rows={[...e.events].reverse()}
                    empty="No events."
                    columns={[
                      { label: 'When', cell: (x) => when(x.timestamp) },
                      { label: 'Type', cell: (x) => x.type },
                      { label: 'Event', cell: (x) => eventLine(x) },
                    ]}
                  />
                )}
              </Loaded>
            </Card>
          </div>
        )}
      </Loaded>
    </Page>
  );
}

function PrivacyActions({ profileId }: { profileId: string }) {
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const exportData = async () => {
    setError(undefined);
    try {
      // The export runs as a job; its document is served once the job succeeded.
      const job = await followJob('profileExportJob', profileId, setDone);
      if (job.status !== 'succeeded') throw new Error(`export ${job.status}`);
      const doc = await call('privacyJobResult', { params: { jobId: job.jobId } });
      setDone('Exported.');
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `feltfit-export-${profileId}.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(err);
    }
  };
  const erase = async () => {
    setError(undefined);
    try {
      const job = await followJob('profileErase', profileId, setDone);
      if (job.status !== 'succeeded') throw new Error(`erasure ${job.status}: ${job.error?.code ?? ''}`);
      setDone(`Erased (${job.outcome ?? 'erased'}).`);
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  return (
    <div>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => void exportData()}>
          Export data
        </button>
        <ConfirmAction
          id="erase-q"
          boxed
          label="Erase person"
          question="Erase everything held about this person? This cannot be undone."
          confirmLabel="Yes, erase"
          onConfirm={erase}
        />
      </div>
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

/**
 * Starts an erasure or export job and polls it until it ends, reporting progress per holder (the
 * server counts; the page only shows them).
 */
async function followJob(
  route: 'profileErase' | 'profileExportJob',
  profileId: string,
  progress: (text: string) => void,
): Promise<PrivacyJob> {
  let { job } = await call<{ job: PrivacyJob }>(route, { params: { profileId } });
  for (;;) {
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    const done = job.holders.filter((h) => h.status === 'done').length;
    progress(
      `${route === 'profileErase' ? 'Erasing' : 'Exporting'}… ${done} of ${job.holders.length} tables done`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    ({ job } = await call<{ job: PrivacyJob }>('privacyJobGet', { params: { jobId: job.jobId } }));
  }
}
