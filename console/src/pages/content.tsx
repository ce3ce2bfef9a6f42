/**
 * Content: the review queue, and a variant's page — its copy, each check beside the brand rule it
 * tests (from the API: `rules`), approve / reject / edit with a required comment (an edit is checked
 * again by the server before and when it is saved), a preview rendered for a chosen person the way
 * the send function renders it, and the audit trail.
 */
import { useState } from 'preact/hooks';
import type { Preview } from '../../../shared/domain/content/preview.js';
import type { CheckedCopy, CheckedRule } from '../../../shared/domain/content/rules.js';
import type { AuditRecord, ContentBody, Variant } from '../../../shared/domain/content/schemas.js';
import type { ProfileView } from '../../../shared/domain/privacy/operations.js';
import { ApiError, call } from '../api.js';
import { can, type PageProps } from '../app.js';
import { Card, ErrorNote, Field, issuesByField, Loaded, Loading, Page, Table, useLoad, when } from '../ui.js';

const STATUSES = [
  { value: 'pending_review', label: 'Waiting for review' },
  { value: 'approved', label: 'Approved' },
  { value: 'rejected', label: 'Rejected' },
] as const;

export default function ContentPage(props: PageProps) {
  const id = props.segments[0];
  return id ? <VariantPage {...props} id={id} /> : <Queue {...props} />;
}

function StatusPill({ status }: { status: Variant['status'] }) {
  const cls = status === 'approved' ? 'pill ok' : status === 'rejected' ? 'pill bad' : 'pill warn';
  return <span class={cls}>{STATUSES.find((s) => s.value === status)?.label ?? status}</span>;
}

function Queue({ query }: PageProps) {
  const status = query.get('status') ?? 'pending_review';
  const list = useLoad(
    () => call<{ variants: Variant[]; cursor?: string }>('contentList', { query: { status, limit: 100 } }),
    [status],
  );
  return (
    <Page
      title="Content"
      intro="Generated copy waits here for a person: each variant's checks sit beside the brand rules they test."
    >
      <nav aria-label="Review status" class="tabs">
        {STATUSES.map((s) => (
          <a
            key={s.value}
            href={`/content?status=${s.value}`}
            aria-current={s.value === status ? 'page' : undefined}
          >
            {s.label}
          </a>
        ))}
      </nav>
      <Card wide>
        <Loaded state={list}>
          {({ variants }) => (
            <Table
              caption={`Content variants: ${STATUSES.find((s) => s.value === status)?.label ?? status}`}
              rows={variants}
              rowKey={(v) => v.id}
              empty={status === 'pending_review' ? 'Nothing waits for review.' : 'No variants.'}
              columns={[
                { label: 'Created', cell: (v) => when(v.createdAt) },
                { label: 'Channel', cell: (v) => v.channel },
                { label: 'Intent', cell: (v) => v.intent },
                { label: 'Segment', cell: (v) => v.segment },
                {
                  label: 'Checks',
                  cell: (v) =>
                    v.checks.passed ? (
                      <span class="pill ok">passed</span>
                    ) : (
                      <span class="pill bad">{v.checks.failures.length} failed</span>
                    ),
                },
                { label: 'Needs a person', cell: (v) => (v.needsHuman ? 'yes (sensitive)' : 'no') },
                {
                  label: 'Variant',
                  cell: (v) => <a href={`/content/${encodeURIComponent(v.id)}`}>{titleOf(v)}</a>,
                },
              ]}
            />
          )}
        </Loaded>
      </Card>
    </Page>
  );
}

/** A short name for a variant: its subject, title or first words. */
function titleOf(v: Variant): string {
  const c = v.content as Record<string, string> | undefined;
  const text = c?.subject ?? c?.title ?? c?.question ?? c?.text ?? c?.opening ?? v.id;
  return text.length > 70 ? `${text.slice(0, 67)}…` : text;
}

interface VariantView {
  readonly variant: Variant;
  readonly audit: AuditRecord[];
  readonly rules: CheckedRule[];
}

/** The editable text fields of a body, in the order the API gave them (the `type` is not editable). */
const fieldsOf = (body: ContentBody) =>
  Object.entries(body).filter(([k]) => k !== 'type') as [string, string][];

function VariantPage({ me, id }: PageProps & { id: string }) {
  const view = useLoad(() => call<VariantView>('contentGet', { params: { id } }), [id]);
  return (
    <Page title="Review a variant" intro={id} actions={<a href="/content">Back to the queue</a>}>
      <Loaded state={view}>
        {(v) => (
          <div class="grid">
            <Card title="Copy">
              <p>
                <StatusPill status={v.variant.status} /> {v.variant.channel} · {v.variant.intent} · segment{' '}
                {v.variant.segment} · written by {v.variant.metadata.generator} ({v.variant.metadata.model})
              </p>
              {v.variant.needsHuman && <p class="warn">Sensitive segment or offer: a person must decide.</p>}
              {v.variant.content ? (
                <dl class="copy">
                  {fieldsOf(v.variant.content).map(([k, text]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>
                        <pre>{text}</pre>
                      </dd>
                    </div>
                  ))}
                </dl>
              ) : (
                <p class="error">
                  The guardrail blocked this output: {v.variant.rejectionReason ?? 'no copy'}.
                </p>
              )}
            </Card>
            <Card title="Checks against the brand rules" wide>
              <RulesTable rules={v.rules} caption="Brand rules and what the checks found" />
              <p class="muted">
                Guardrail:{' '}
                {v.variant.guardrail.status === 'intervened'
                  ? `intervened (${v.variant.guardrail.reason})`
                  : v.variant.guardrail.status.replace('_', ' ')}
              </p>
            </Card>
            {v.variant.status === 'pending_review' && v.variant.content && (
              <Card title="Decision" wide>
                {can(me, 'review') ? (
                  <ReviewForm variant={v.variant} content={v.variant.content} onDone={view.reload} />
                ) : (
                  <p class="muted">Your role may read this variant but not approve or reject it.</p>
                )}
              </Card>
            )}
            {v.variant.content && (
              <Card title="Preview" wide>
                <PreviewPanel id={id} />
              </Card>
            )}
            <Card title="Audit trail" wide>
              <AuditTable audit={v.audit} />
            </Card>
          </div>
        )}
      </Loaded>
    </Page>
  );
}

function RulesTable({ rules, caption }: { rules: readonly CheckedRule[]; caption: string }) {
  return (
    <Table
      caption={caption}
      rows={rules}
      rowKey={(r) => r.rule}
      columns={[
        { label: 'Brand rule', cell: (r) => r.rule },
        { label: 'The playbook says', cell: (r) => r.detail },
        {
          label: 'Check',
          cell: (r) => (
            <span class={r.passed ? 'pill ok' : 'pill bad'}>{r.passed ? 'passed' : 'failed'}</span>
          ),
        },
        { label: 'Found', cell: (r) => (r.failures.length ? r.failures.join('; ') : '—') },
      ]}
    />
  );
}

function ReviewForm(props: { variant: Variant; content: ContentBody; onDone: () => void }) {
  const [comment, setComment] = useState('');
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>(() =>
    Object.fromEntries(fieldsOf(props.content)),
  );
  const [checked, setChecked] = useState<CheckedCopy>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const edited = (): ContentBody | undefined =>
    editing ? ({ type: props.content.type, ...draft } as ContentBody) : undefined;

  const checkEdit = async () => {
    setError(undefined);
    try {
      setChecked(
        await call<CheckedCopy>('contentCheck', {
          params: { id: props.variant.id },
          body: { edited: edited() },
        }),
      );
    } catch (err) {
      setError(err);
    }
  };
  const decide = async (decision: 'approve' | 'reject') => {
    setError(undefined);
    setBusy(true);
    try {
      const e = edited();
      await call('contentReview', {
        params: { id: props.variant.id },
        // The API records the signed-in user as the reviewer; the field satisfies the schema for the CLI.
        body: { decision, comment, reviewer: 'console', ...(e ? { edited: e } : {}) },
      });
      props.onDone();
    } catch (err) {
      // The server refused an edit its checks fail: show which rules, beside the edit.
      if (err instanceof ApiError && err.code === 'checks_failed' && editing) await checkEdit();
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const issues = issuesByField(error);
  const commentError = issues.comment;
  return (
    <form onSubmit={(e) => e.preventDefault()} aria-label="Review decision">
      <div class="row">
        <label>
          <input
            type="checkbox"
            checked={editing}
            onChange={(e) => {
              setEditing((e.target as HTMLInputElement).checked);
              setChecked(undefined);
            }}
          />{' '}
          Edit the copy before deciding
        </label>
      </div>
      {editing && (
        <fieldset class="edit">
          <legend>Edited copy ({props.content.type})</legend>
          {Object.entries(draft).map(([k, text]) => {
            const fieldId = `edit-${k}`;
            return (
              <Field key={k} label={k} id={fieldId} error={issues[`edited.${k}`]}>
                <textarea
                  id={fieldId}
                  rows={k === 'html' || k === 'text' || k === 'body' || k === 'answer' ? 6 : 2}
                  value={text}
                  onInput={(e) => setDraft({ ...draft, [k]: (e.target as HTMLTextAreaElement).value })}
                />
              </Field>
            );
          })}
          <button type="button" class="secondary" onClick={() => void checkEdit()}>
            Check the edit
          </button>
          {checked && (
            <div role="status">
              <p class={checked.checks.passed ? 'ok' : 'error'}>
                {checked.checks.passed ? 'The edit passes every check.' : 'The edit fails some checks.'}
                {checked.guardrail.status === 'intervened' &&
                  ` The guardrail intervened: ${checked.guardrail.reason}.`}
              </p>
              <RulesTable rules={checked.rules} caption="Brand rules and what the checks found in the edit" />
            </div>
          )}
        </fieldset>
      )}
      <Field
        label="Comment"
        id="review-comment"
        hint="Required: why you approve or reject (kept in the audit trail)."
        error={commentError}
      >
        <textarea
          id="review-comment"
          required
          rows={2}
          aria-describedby="review-comment-hint"
          value={comment}
          onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
        />
      </Field>
      <div class="row">
        <button type="button" disabled={busy || !comment.trim()} onClick={() => void decide('approve')}>
          Approve
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy || !comment.trim()}
          onClick={() => void decide('reject')}
        >
          Reject
        </button>
      </div>
      <ErrorNote error={error} />
    </form>
  );
}

const ID_TYPES = [
  { value: '', label: 'Sample person' },
  { value: 'userId', label: 'User id' },
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone' },
] as const;

function PreviewPanel({ id }: { id: string }) {
  const [type, setType] = useState('');
  const [value, setValue] = useState('');
  const [purpose, setPurpose] = useState<'marketing' | 'transactional'>('marketing');
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      let profileId: string | undefined;
      if (type && value.trim()) {
        try {
          const found = await call<{ profile: ProfileView }>('profileLookup', {
            query: { type, value: value.trim() },
          });
          profileId = found.profile.profileId;
        } catch (err) {
          throw err instanceof ApiError && err.code === 'profile_not_found'
            ? new Error('No one matches that.')
            : err;
        }
      }
      setPreview(
        await call<Preview>('contentPreview', {
          params: { id },
          body: { purpose, ...(profileId ? { profileId } : {}) },
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <form class="row" onSubmit={(e) => void submit(e)} aria-label="Preview for a person">
        <Field label="Preview for" id="preview-type">
          <select
            id="preview-type"
            value={type}
            onChange={(e) => setType((e.target as HTMLSelectElement).value)}
          >
            {ID_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </Field>
        {type && (
          <Field label="Person's identifier" id="preview-value">
            <input
              id="preview-value"
              required
              value={value}
              onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            />
          </Field>
        )}
        <Field label="Purpose" id="preview-purpose">
          <select
            id="preview-purpose"
            value={purpose}
            onChange={(e) =>
              setPurpose((e.target as HTMLSelectElement).value as 'marketing' | 'transactional')
            }
          >
            <option value="marketing">Marketing (footer and opt-out added)</option>
            <option value="transactional">Transactional</option>
          </select>
        </Field>
        <div class="field">
          <button type="submit" disabled={busy}>
            Render preview
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {busy && <Loading what="Rendering" />}
      {preview && <Rendered preview={preview} />}
    </>
  );
}

function Rendered({ preview: p }: { preview: Preview }) {
  const who = p.person.kind === 'sample' ? 'a sample person' : p.person.profileId;
  if (!p.rendered) {
    return (
      <p class="error" role="alert">
        The {p.part} does not render ({p.error}): the send would skip this message.
      </p>
    );
  }
  return (
    <section aria-label="Rendered preview" class="preview">
      <p class="muted">
        Rendered for {who} as a {p.purpose} {p.channel} message, with the send function's renderer.
      </p>
      {p.missing.length > 0 && <p class="warn">No value for {p.missing.join(', ')}: rendered empty.</p>}
      {p.email && (
        <>
          <p>
            <strong>Subject:</strong> {p.email.subject}
            <br />
            <strong>Preheader:</strong> {p.email.preheader || '—'}
          </p>
          <iframe
            class="preview"
            sandbox=""
            srcdoc={p.email.html}
            title={`Email preview: ${p.email.subject}`}
          />
          <h3>Text part</h3>
          <pre>{p.email.text}</pre>
        </>
      )}
      {p.sms && (
        <figure class="sms">
          <div class="bubble">{p.sms.body}</div>
          <figcaption class="muted">
            SMS: {p.sms.segments} {p.sms.encoding} segment{p.sms.segments === 1 ? '' : 's'}
          </figcaption>
        </figure>
      )}
      {p.push && (
        <figure class="push">
          <strong>{p.push.title}</strong>
          <div>{p.push.body}</div>
          <figcaption class="muted">Push notification</figcaption>
        </figure>
      )}
      {p.inApp && (
        <figure class="in-app">
          <strong>{p.inApp.title}</strong>
          <p>{p.inApp.body}</p>
          <span class="button" aria-hidden="true">
            {p.inApp.cta}
          </span>
          <figcaption class="muted">In-app message (button: {p.inApp.cta})</figcaption>
        </figure>
      )}
      {p.fields && (
        <dl class="copy">
          {p.fields.map(([k, text]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>
                <pre>{text}</pre>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function AuditTable({ audit }: { audit: readonly AuditRecord[] }) {
  return (
    <Table
      caption="Audit trail"
      rows={audit}
      rowKey={(a, i) => `${a.at}-${i}`}
      empty="No audit entries."
      columns={[
        { label: 'When', cell: (a) => when(a.at) },
        {
          label: 'What',
          cell: (a) => (a.kind === 'generated' ? 'generated' : `${a.decision}${a.edited ? ' (edited)' : ''}`),
        },
        { label: 'Who', cell: (a) => (a.kind === 'generated' ? `${a.generator} (${a.model})` : a.reviewer) },
        { label: 'Comment', cell: (a) => (a.kind === 'reviewed' ? a.comment : '—') },
        {
          label: 'Checks',
          cell: (a) => (a.checks.passed ? 'passed' : a.checks.failures.map((f) => f.code).join(', ')),
        },
        { label: 'Status', cell: (a) => (a.kind === 'reviewed' ? `${a.from} → ${a.to}` : a.status) },
      ]}
    />
  );
}
