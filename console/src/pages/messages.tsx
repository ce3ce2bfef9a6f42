/**
 * Messages: the delivery log, newest first, filtered by channel, status and reason (the options
 * come from the API); and, where the local runtime keeps one, the outbox with each message rendered
 * (email HTML in a sandboxed iframe, SMS and push as text).
 */
import { useState } from 'preact/hooks';
import type { MessageLogEntry } from '../../../shared/domain/channels/message-log.js';
import { ApiError, call } from '../api.js';
import type { PageProps } from '../app.js';
import { navigate } from '../router.js';
import { Card, Field, Loaded, Page, Table, useLoad, when } from '../ui.js';

interface LogPage {
  readonly messages: readonly MessageLogEntry[];
  readonly cursor?: string;
  readonly filters: { channels: string[]; statuses: string[]; reasons: string[] };
}

type Preview =
  | { channel: 'email'; from: string; to: string; subject: string; text: string; html?: string }
  | { channel: 'sms'; to: string; text: string }
  | { channel: 'push'; to: string; title: string; body: string };

interface OutboxMessage {
  readonly file: string;
  readonly channel: 'email' | 'sms' | 'push';
  readonly createdAt: string;
  readonly preview: Preview;
}

const FILTERS = ['channel', 'status', 'reason'] as const;
const OPTIONS = { channel: 'channels', status: 'statuses', reason: 'reasons' } as const;

export default function MessagesPage({ query }: PageProps) {
  const tab = query.get('tab') === 'outbox' ? 'outbox' : 'log';
  return (
    <Page title="Messages" intro="Every message decided: sent, or skipped with the rule that stopped it.">
      <nav class="tabs" aria-label="Messages views">
        <a href="/messages" aria-current={tab === 'log' ? 'page' : undefined}>
          Delivery log
        </a>
        <a href="/messages?tab=outbox" aria-current={tab === 'outbox' ? 'page' : undefined}>
          Local outbox
        </a>
      </nav>
      {tab === 'log' ? <DeliveryLog query={query} /> : <Outbox />}
    </Page>
  );
}

function DeliveryLog({ query }: { query: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? undefined]));
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const key = FILTERS.map((f) => filters[f] ?? '').join('|');
  const log = useLoad(
    () => call<LogPage>('messagesList', { query: { ...filters, limit: 50, cursor } }),
    [key, cursor],
  );
  const choose = (name: (typeof FILTERS)[number], value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    setCursors([]);
    navigate(`/messages${next.size ? `?${next}` : ''}`);
  };
  const options = log.data?.filters;
  return (
    <Card wide>
      <form class="row" aria-label="Filter the delivery log" onSubmit={(e) => e.preventDefault()}>
        {FILTERS.map((f) => {
          const values = options?.[OPTIONS[f]];
          return (
            <Field key={f} label={f[0]!.toUpperCase() + f.slice(1)} id={`filter-${f}`}>
              <select
                id={`filter-${f}`}
                value={filters[f] ?? ''}
                onChange={(e) => choose(f, (e.target as HTMLSelectElement).value)}
              >
                <option value="">any</option>
                {(values ?? (filters[f] ? [filters[f]!] : [])).map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </Field>
          );
        })}
      </form>
      <Loaded state={log}>
        {(page) => (
          <>
            <Table
              caption="Delivery log, newest first"
              rows={page.messages}
              empty="No messages match."
              rowKey={(m) => `${m.at}#${m.executionId}#${m.step}#${m.channel}`}
              columns={[
                { label: 'When', cell: (m) => when(m.at) },
                { label: 'Channel', cell: (m) => m.channel },
                {
                  label: 'Status',
                  cell: (m) => <span class={m.status === 'sent' ? 'pill ok' : 'pill warn'}>{m.status}</span>,
                },
                { label: 'Reason', cell: (m) => m.reason ?? '—' },
                {
                  label: 'Journey',
                  cell: (m) => <a href={`/journeys/${encodeURIComponent(m.journey)}`}>{m.journey}</a>,
                },
                { label: 'Step', cell: (m) => m.step },
                { label: 'Variant', cell: (m) => m.variantId ?? '—' },
                {
                  label: 'Person',
                  cell: (m) => (
                    <a href={`/people/${encodeURIComponent(m.profileId)}`}>{m.profileId.slice(0, 12)}…</a>
                  ),
                },
              ]}
            />
            <div class="row">
              {cursors.length > 0 && (
                <button type="button" class="secondary" onClick={() => setCursors((c) => c.slice(0, -1))}>
                  Newer
                </button>
              )}
              {page.cursor && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setCursors((c) => [...c, page.cursor!])}
                >
                  Older
                </button>
              )}
            </div>
          </>
        )}
      </Loaded>
    </Card>
  );
}

function Outbox() {
  const outbox = useLoad(async () => {
    try {
      return await call<{ messages: OutboxMessage[] }>('outbox', { query: { limit: 20 } });
    } catch (err) {
      // In AWS there is no outbox: messages went to SES and SNS.
      if (err instanceof ApiError && err.status === 404) return { messages: [], absent: true };
      throw err;
    }
  }, []);
  return (
    <Loaded state={outbox}>
      {(o) =>
        'absent' in o ? (
          <p class="muted">There is no local outbox here: messages go to the providers.</p>
        ) : o.messages.length === 0 ? (
          <p class="muted">The outbox is empty.</p>
        ) : (
          <div class="outbox">
            {o.messages.map((m) => (
              <OutboxItem key={m.file} message={m} />
            ))}
          </div>
        )
      }
    </Loaded>
  );
}

function OutboxItem({ message: m }: { message: OutboxMessage }) {
  const p = m.preview;
  const heading = p.channel === 'email' ? p.subject : p.channel === 'push' ? p.title : 'SMS';
  return (
    <article class="card outbox-item" aria-label={`${m.channel}: ${heading}`}>
      <h2>
        <span class="pill">{m.channel}</span> {heading}
      </h2>
      <p class="muted">
        {when(m.createdAt)} · to {p.to}
        {p.channel === 'email' ? ` · from ${p.from}` : ''}
      </p>
      {p.channel === 'email' ? (
        p.html !== undefined ? (
          <iframe
            class="email-frame"
            sandbox=""
            srcdoc={p.html}
            title={`Email: ${p.subject}`}
            referrerpolicy="no-referrer"
          />
        ) : (
          <pre>{p.text}</pre>
        )
      ) : (
        <pre>{p.channel === 'sms' ? p.text : p.body}</pre>
      )}
    </article>
  );
}
