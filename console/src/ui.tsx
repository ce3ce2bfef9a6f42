/** Building blocks shared by the pages: data loading, tables, figures, messages. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** Loads once per change of `deps`; `reload` loads again. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error: unknown) => !ctl.signal.aborted && setState({ error, loading: false }),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A page's heading and intro. */
export function Page(props: {
  title: string;
  intro?: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  useEffect(() => {
    document.title = `${props.title} · Feltfit`;
  }, [props.title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <div>
          <h1 id="page-title">{props.title}</h1>
          {props.intro && <p class="muted">{props.intro}</p>}
        </div>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** What went wrong, in words, with the API's code. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

/** Shows a load's error, or a spinner, or its content. */
export function Loaded<T>(props: {
  state: { data?: T; error?: unknown; loading: boolean };
  children: (data: T) => ComponentChildren;
}) {
  if (props.state.error) return <ErrorNote error={props.state.error} />;
  if (props.state.data === undefined) return <Loading />;
  return <>{props.children(props.state.data)}</>;
}

/** A figure with its label (and optionally what it counts). */
export function Stat(props: { label: string; value: ComponentChildren; detail?: ComponentChildren }) {
  return (
    <div class="stat">
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.detail !== undefined && <div class="stat-detail muted">{props.detail}</div>}
    </div>
  );
}

export function Card(props: { title?: string; children: ComponentChildren; wide?: boolean }) {
  const id = props.title ? `card-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : undefined;
  return (
    <section class={props.wide ? 'card wide' : 'card'} aria-labelledby={id}>
      {props.title && <h2 id={id}>{props.title}</h2>}
      {props.children}
    </section>
  );
}

/** A table with a caption (its accessible name) and an empty-state line. */
export function Table<R>(props: {
  caption: string;
  columns: { label: string; cell: (row: R) => ComponentChildren; numeric?: boolean }[];
  rows: readonly R[];
  empty?: string;
  rowKey?: (row: R, i: number) => string;
}) {
  if (props.rows.length === 0) return <p class="muted">{props.empty ?? 'Nothing here yet.'}</p>;
  return (
    // A wide table scrolls sideways: keyboard users must be able to focus it to scroll (axe
    // scrollable-region-focusable), and a focusable region needs a name.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard
    <section class="table-wrap" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" class={c.numeric ? 'num' : undefined} key={c.label}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, i) => (
            <tr key={props.rowKey ? props.rowKey(row, i) : String(i)}>
              {props.columns.map((c) => (
                <td class={c.numeric ? 'num' : undefined} key={c.label}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const nf = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
export const num = (n: number | undefined | null) => (n === undefined || n === null ? '—' : nf.format(n));
export const pct = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null || !Number.isFinite(n) ? '—' : `${(n * 100).toFixed(digits)} %`;
export const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/** A labelled form field; `error` is announced and tied to the input. */
export function Field(props: {
  label: string;
  id: string;
  error?: string | undefined;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <small id={`${props.id}-hint`} class="muted">
          {props.hint}
        </small>
      )}
      {props.error && (
        <small id={`${props.id}-error`} class="error" role="alert">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** Field problems from an ApiError, keyed by their first path segment(s) joined with '.'. */
export function issuesByField(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError) for (const i of error.issues) out[i.path.join('.')] ??= i.message;
  return out;
}

/**
 * A destructive action behind a confirmation: the button opens an alert dialog that names what
 * will happen; only its confirm button acts.
 */
export function ConfirmAction(props: {
  readonly id: string;
  readonly label: ComponentChildren;
  readonly question: ComponentChildren;
  readonly confirmLabel: string;
  /** Resolves true when the action is done (the dialog closes); false keeps it open, e.g. on an error. */
  readonly onConfirm: () => Promise<boolean>;
  readonly boxed?: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <div role="alertdialog" aria-labelledby={props.id} class={props.boxed ? 'card' : undefined}>
      <p id={props.id}>{props.question}</p>
      <div class="actions">
        <button
          type="button"
          class="danger"
          onClick={() => void props.onConfirm().then((done) => done && setConfirming(false))}
        >
          {props.confirmLabel}
        </button>
        <button type="button" class="secondary" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
