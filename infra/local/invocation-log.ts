/**
 * What `npm start` prints per function invocation: one readable line (the functions' JSON lines go
 * to a file per function), and in full the lines that report an error. `FELTFIT_LOG=json` prints the
 * JSON lines instead.
 */

/** One invocation of a local function, as LocalFunction.invoke saw it. */
export interface InvocationRecord {
  /** The function's folder name (`ingest`, `project-profile`). */
  readonly function: string;
  readonly event: unknown;
  /** When the invocation was asked for. */
  readonly at: Date;
  /** From the request to the answer, the wait for a free slot included. */
  readonly durationMs: number;
  readonly result?: unknown;
  readonly error?: Error;
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What started the invocation: an HTTP request, a stream or queue batch, a bus event, or a direct invoke. */
function trigger(event: unknown): { readonly http?: string; readonly what: string } {
  const e = record(event);
  const http = record(record(e?.requestContext)?.http);
  if (http) return { http: `${String(http.method)} ${String(e?.rawPath ?? http.path ?? '')}`, what: '' };
  const records = Array.isArray(e?.Records) ? e.Records : undefined;
  if (records) {
    const source = record(records[0])?.eventSource;
    if (source === 'aws:dynamodb') return { what: `stream batch (${plural(records.length, 'record')})` };
    if (source === 'aws:sqs') return { what: `queue batch (${plural(records.length, 'message')})` };
    return { what: `batch (${plural(records.length, 'record')})` };
  }
  if (typeof e?.['detail-type'] === 'string') return { what: `event ${e['detail-type']}` };
  return { what: 'invoke' };
}

/** How it ended: the HTTP status, partial batch failures, a send's outcome, or ok. */
function outcome(result: unknown): string {
  const r = record(result);
  const failures = r?.batchItemFailures;
  if (Array.isArray(failures) && failures.length) return `${failures.length} failed`;
  if (typeof r?.outcome === 'string') return `ok (${r.outcome})`;
  return 'ok';
}

/** `16:40:02 POST /v1/batch → 200 ingest 12 ms`, `16:40:03 project-profile stream batch (37 records) ok 85 ms`. */
export function summarizeInvocation(inv: InvocationRecord): string {
  const time = inv.at.toTimeString().slice(0, 8);
  const ms = `${Math.round(inv.durationMs)} ms`;
  const { http, what } = trigger(inv.event);
  if (http) {
    const status = inv.error ? 'failed' : String(record(inv.result)?.statusCode ?? 200);
    const line = `${time} ${http} → ${status} ${inv.function} ${ms}`;
    return inv.error ? `${line}: ${inv.error.message}` : line;
  }
  if (inv.error) return `${time} ${inv.function} ${what} failed ${ms}: ${inv.error.message}`;
  return `${time} ${inv.function} ${what} ${outcome(inv.result)} ${ms}`;
}

/**
 * Whether a line a function wrote reports an error, so the terminal shows it in full: a JSON log line
 * at ERROR or CRITICAL level, or anything written to stderr that is not a JSON line (a crash's stack).
 */
export function isErrorLine(line: string, stream: 'stdout' | 'stderr'): boolean {
  if (!line.trim()) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return stream === 'stderr';
  }
  const level = record(parsed)?.level;
  return level === 'ERROR' || level === 'CRITICAL';
}

/** A `data` listener that hands each complete line of a stream to `onLine`. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + String(chunk)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}
