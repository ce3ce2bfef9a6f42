/**
 * Settings: event sources and their write keys (create — the key is shown once — and revoke, after
 * a confirmation), and who may use the console with which role.
 */
import { useState } from 'preact/hooks';
import { type ConsoleUsers, CreateSourceBody, type SourceRow } from '../../../shared/api/overview.js';
import { call } from '../api.js';
import { can, type PageProps } from '../app.js';
import {
  Card,
  ConfirmAction,
  ErrorNote,
  Field,
  issuesByField,
  Loaded,
  Page,
  Table,
  useLoad,
  when,
} from '../ui.js';

export default function SettingsPage({ me }: PageProps) {
  const sources = useLoad(() => call<{ sources: SourceRow[] }>('sourceList'), []);
  const users = useLoad(() => call<ConsoleUsers>('consoleUsers'), []);
  const manage = can(me, 'manageKeys');
  return (
    <Page title="Settings" intro="Event sources and their write keys; console users and roles.">
      <div class="grid">
        <Card title="Sources" wide>
          <Loaded state={sources}>
            {(s) => (
              <Table
                caption="Event sources"
                rows={s.sources}
                empty="No sources yet."
                rowKey={(r) => r.name}
                columns={[
                  { label: 'Name', cell: (r) => r.name },
                  {
                    label: 'Status',
                    cell: (r) => (
                      <span class={r.status === 'active' ? 'pill ok' : 'pill bad'}>{r.status}</span>
                    ),
                  },
                  { label: 'Created', cell: (r) => when(r.createdAt) },
                  { label: 'Last event', cell: (r) => when(r.lastReceivedAt) },
                  {
                    label: 'Actions',
                    cell: (r) =>
                      r.status === 'active' && manage ? (
                        <Revoke name={r.name} onDone={sources.reload} />
                      ) : (
                        '—'
                      ),
                  },
                ]}
              />
            )}
          </Loaded>
          <CreateSource onCreated={sources.reload} />
        </Card>
        <Card title="Users and roles" wide>
          <Loaded state={users}>
            {(u) =>
              u.kind === 'local' ? (
                <>
                  <Table
                    caption="Local console users"
                    rows={u.users}
                    rowKey={(r) => r.name}
                    columns={[
                      { label: 'User', cell: (r) => r.name },
                      { label: 'Roles', cell: (r) => r.roles.join(', ') },
                    ]}
                  />
                  <p class="muted">{u.note}</p>
                </>
              ) : (
                <>
                  {u.users && (
                    <Table
                      caption="Console users in the Cognito user pool"
                      rows={u.users}
                      rowKey={(r) => r.name}
                      empty="No user is in a role group yet."
                      columns={[
                        { label: 'User', cell: (r) => r.name },
                        { label: 'Roles', cell: (r) => r.roles.join(', ') },
                        {
                          label: 'Status',
                          cell: (r) => `${r.status ?? '—'}${r.enabled === false ? ' (disabled)' : ''}`,
                        },
                      ]}
                    />
                  )}
                  <p>{u.note}</p>
                  {u.commands.map((c) => (
                    <pre key={c}>{c}</pre>
                  ))}
                </>
              )
            }
          </Loaded>
        </Card>
      </div>
    </Page>
  );
}

function CreateSource({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<{ name: string; writeKey: string }>();
  const [copied, setCopied] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setCopied(false);
    const body = CreateSourceBody.safeParse({ name: name.trim() });
    if (!body.success) {
      setError(new Error(body.error.issues[0]?.message ?? 'invalid name'));
      return;
    }
    try {
      const out = await call<{ source: { name: string }; writeKey: string }>('sourceCreate', {
        body: body.data,
      });
      setCreated({ name: out.source.name, writeKey: out.writeKey });
      setName('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  const fieldError =
    issuesByField(error).name ?? (error instanceof Error && !('status' in error) ? error.message : undefined);
  return (
    <>
      <h3>Create a source</h3>
      <form class="row" onSubmit={(e) => void submit(e)} aria-label="Create a source">
        <Field
          label="Source name"
          id="source-name"
          error={fieldError}
          hint="lower-case letters, digits and dashes"
        >
          <input
            id="source-name"
            required
            value={name}
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={fieldError ? 'source-name-error' : 'source-name-hint'}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            placeholder="web-shop"
          />
        </Field>
        <div class="field">
          <button type="submit">Create source</button>
        </div>
      </form>
      {!fieldError && <ErrorNote error={error} />}
      {created && (
        <div class="card key-once" role="status">
          <p>
            <strong>Write key for {created.name}.</strong> Copy it now: it is shown only this once and only
            its hash is stored.
          </p>
          <Field label="New write key" id="new-write-key">
            <input id="new-write-key" class="key" readOnly value={created.writeKey} />
          </Field>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              onClick={() =>
                void navigator.clipboard?.writeText(created.writeKey).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              Copy key
            </button>
            <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
              Done
            </button>
            {copied && <span class="ok">Copied.</span>}
          </div>
        </div>
      )}
    </>
  );
}

function Revoke({ name, onDone }: { name: string; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const revoke = async () => {
    setError(undefined);
    try {
      await call('sourceRevoke', { params: { name } });
      onDone();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  return (
    <div>
      <ConfirmAction
        id={`revoke-q-${name}`}
        label={`Revoke ${name}`}
        question={`Revoke ${name}? Its key stops working within 30 seconds.`}
        confirmLabel="Yes, revoke"
        onConfirm={revoke}
      />
      <ErrorNote error={error} />
    </div>
  );
}
