/**
 * Audiences: a rule builder over traits, features and scores with a live member count and a sample
 * (the API evaluates the rule with the campaign run's own `inAudience`), saving under a name, and the
 * saved audiences campaigns use. The page only builds the rule; counting and checking are the API's.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AudiencePreview, SavedAudience } from '../../../shared/domain/campaigns/audiences.js';
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
  Stat,
  Table,
  useLoad,
  when,
} from '../ui.js';
import {
  type ConditionDraft,
  describeAudience,
  emptyCondition,
  OPS,
  SOURCES,
  toAudience,
} from './audience-rule.js';

export default function AudiencesPage({ me }: PageProps) {
  const [match, setMatch] = useState<'all' | 'any'>('all');
  const [conditions, setConditions] = useState<ConditionDraft[]>([
    { ...emptyCondition(), source: 'features', path: 'ordersCount', op: 'gte', value: '1' },
  ]);
  const audience = toAudience(match, conditions);
  const key = JSON.stringify(audience);
  const preview = useDebouncedPreview(key);
  const saved = useLoad(() => call<{ audiences: SavedAudience[] }>('audienceList'), []);
  const fieldErrors = issuesByField(preview.error);

  const update = (i: number, patch: Partial<ConditionDraft>) =>
    setConditions((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <Page
      title="Audiences"
      intro="Who a campaign reaches: conditions over traits, features and scores, counted over the live profiles."
    >
      <div class="grid">
        <Card title="Rule" wide>
          <Field label="Match" id="aud-match">
            <select
              id="aud-match"
              value={match}
              onChange={(e) => setMatch((e.target as HTMLSelectElement).value as 'all' | 'any')}
            >
              <option value="all">all conditions</option>
              <option value="any">any condition</option>
            </select>
          </Field>
          <ol class="conditions">
            {conditions.map((c, i) => {
              const n = i + 1;
              const at = `audience.${match}.${i}`;
              const err = fieldErrors[`${at}.path`] ?? fieldErrors[`${at}.value`] ?? fieldErrors[at];
              return (
                <li key={c.key} class="row condition">
                  <Field label={`Source ${n}`} id={`cond-${c.key}-source`}>
                    <select
                      id={`cond-${c.key}-source`}
                      value={c.source}
                      onChange={(e) =>
                        update(i, {
                          source: (e.target as HTMLSelectElement).value as ConditionDraft['source'],
                        })
                      }
                    >
                      {SOURCES.map((s) => (
                        <option key={s} value={s}>
                          {s}
                        </option>
                      ))}
                    </select>
                  </Field>
                  <Field label={`Path ${n}`} id={`cond-${c.key}-path`} error={err}>
                    <input
                      id={`cond-${c.key}-path`}
                      value={c.path}
                      placeholder="ordersCount"
                      onInput={(e) => update(i, { path: (e.target as HTMLInputElement).value })}
                    />
                  </Field>
                  <Field label={`Operator ${n}`} id={`cond-${c.key}-op`}>
                    <select
                      id={`cond-${c.key}-op`}
                      value={c.op}
                      onChange={(e) =>
                        update(i, { op: (e.target as HTMLSelectElement).value as ConditionDraft['op'] })
                      }
                    >
                      {OPS.map((o) => (
                        <option key={o.op} value={o.op}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  </Field>
                  {c.op !== 'exists' && c.op !== 'notExists' && (
                    <Field
                      label={`Value ${n}`}
                      id={`cond-${c.key}-value`}
                      hint={c.op === 'in' ? 'comma-separated' : undefined}
                    >
                      <input
                        id={`cond-${c.key}-value`}
                        value={c.value}
                        onInput={(e) => update(i, { value: (e.target as HTMLInputElement).value })}
                      />
                    </Field>
                  )}
                  <div class="field">
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Remove condition ${n}`}
                      onClick={() => setConditions((cs) => cs.filter((_, j) => j !== i))}
                    >
                      Remove
                    </button>
                  </div>
                </li>
              );
            })}
          </ol>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              onClick={() => setConditions((cs) => [...cs, emptyCondition()])}
            >
              Add condition
            </button>
          </div>
        </Card>
        <Card title="Members">
          <div class="stats" aria-live="polite">
            <Stat
              label="Member count"
              value={
                preview.data
                  ? `${preview.data.complete ? '' : 'at least '}${num(preview.data.count)}`
                  : preview.loading
                    ? '…'
                    : '—'
              }
              detail={preview.data ? `of ${num(preview.data.scanned)} profiles scanned` : undefined}
            />
          </div>
          {preview.loading && (
            <p class="muted" role="status">
              Counting…
            </p>
          )}
          {preview.error && Object.keys(fieldErrors).length === 0 ? (
            <ErrorNote error={preview.error} />
          ) : null}
          {preview.data && !preview.data.complete && (
            <p class="muted">The count stopped at its scan budget: there may be more members.</p>
          )}
        </Card>
        {can(me, 'launch') && <SaveAudience audience={audience} onSaved={saved.reload} />}
        <Card title="Sample" wide>
          <Table
            caption="Sample of members"
            rows={preview.data?.sample ?? []}
            empty="No members to show."
            rowKey={(m) => m.profileId}
            columns={[
              {
                label: 'Person',
                cell: (m) => (
                  <a href={`/people/${encodeURIComponent(m.profileId)}`}>{m.firstName ?? m.profileId}</a>
                ),
              },
              { label: 'Traits', cell: (m) => kv(m.traits) },
              { label: 'Features', cell: (m) => kv(m.features) },
              { label: 'Scores', cell: (m) => kv(m.scores, 3) },
            ]}
          />
        </Card>
        <Card title="Saved audiences" wide>
          <Loaded state={saved}>
            {({ audiences }) => (
              <Table
                caption="Saved audiences"
                rows={audiences}
                empty="No saved audiences yet."
                rowKey={(a) => a.id}
                columns={[
                  { label: 'Name', cell: (a) => a.name },
                  { label: 'Rule', cell: (a) => describeAudience(a.audience) },
                  { label: 'Saved by', cell: (a) => a.createdBy },
                  { label: 'Saved', cell: (a) => when(a.createdAt) },
                  {
                    label: 'Actions',
                    cell: (a) => (
                      <div class="actions">
                        <a href={`/campaigns?audienceId=${encodeURIComponent(a.id)}`}>Use in a campaign</a>
                        {can(me, 'launch') && (
                          <DeleteAudience id={a.id} name={a.name} onDeleted={saved.reload} />
                        )}
                      </div>
                    ),
                  },
                ]}
              />
            )}
          </Loaded>
        </Card>
      </div>
    </Page>
  );
}

const kv = (o: Record<string, unknown>, digits?: number) =>
  Object.entries(o)
    .map(([k, v]) => `${k}: ${typeof v === 'number' && digits !== undefined ? v.toFixed(digits) : String(v)}`)
    .join(', ') || '—';

/** Previews the rule 400 ms after the last change; a newer rule cancels the older request. */
function useDebouncedPreview(key: string) {
  const [state, setState] = useState<{ data?: AudiencePreview; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const ctl = useRef<AbortController | undefined>(undefined);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      ctl.current?.abort();
      const c = new AbortController();
      ctl.current = c;
      call<AudiencePreview>('audiencePreview', {
        body: { audience: JSON.parse(key) },
        signal: c.signal,
      }).then(
        (data) => !c.signal.aborted && setState({ data, loading: false }),
        (error: unknown) => !c.signal.aborted && setState({ error, loading: false }),
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [key]);
  return state;
}

function SaveAudience({ audience, onSaved }: { audience: unknown; onSaved: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const errors = issuesByField(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone('');
    try {
      const { audience: saved } = await call<{ audience: SavedAudience }>('audienceCreate', {
        body: { name, ...(description.trim() ? { description } : {}), audience },
      });
      setDone(`Saved as “${saved.name}”.`);
      setName('');
      setDescription('');
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Save">
      <form onSubmit={(e) => void submit(e)} aria-label="Save the audience">
        <Field label="Audience name" id="aud-name" error={errors.name}>
          <input id="aud-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Description" id="aud-description" error={errors.description}>
          <input
            id="aud-description"
            value={description}
            onInput={(e) => setDescription((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit">Save audience</button>
      </form>
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      {error && !errors.name && !errors.description ? <ErrorNote error={error} /> : null}
    </Card>
  );
}

function DeleteAudience({ id, name, onDeleted }: { id: string; name: string; onDeleted: () => void }) {
  const [error, setError] = useState<unknown>();
  return (
    <>
      <button
        type="button"
        class="link"
        aria-label={`Delete ${name}`}
        onClick={() =>
          void call('audienceDelete', { params: { audienceId: id } }).then(onDeleted, (err: unknown) =>
            setError(err),
          )
        }
      >
        Delete
      </button>
      <ErrorNote error={error} />
    </>
  );
}
