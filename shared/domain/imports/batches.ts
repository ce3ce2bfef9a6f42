/**
 * Batching and the tally of a history import: messages go out in `POST /v1/batch` bodies that stay
 * inside ingest's limits (messages and bytes, shared/domain/ingest/limits.ts), and every line's
 * fate is counted for the summary — numbers, reasons and line numbers, never a line's content.
 */
import { LIMITS } from '../ingest/limits.js';
import type { ImportRejectReason, ParsedLine } from './lines.js';

/** A request body ready to post, with the file line of each message in it (by batch index). */
export interface Batch {
  readonly body: string;
  readonly lines: readonly number[];
}

/** `{"batch":[` + `]}`. */
const ENVELOPE_BYTES = 12;

/**
 * Collects serialized messages into batches of at most `maxMessages` and `maxBytes` (whole body,
 * UTF-8). `add` returns the batch the message did not fit into, if any; `flush` the rest.
 */
export class Batcher {
  private parts: string[] = [];
  private lines: number[] = [];
  private bytes = ENVELOPE_BYTES;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number = LIMITS.requestBytes,
  ) {
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > LIMITS.batchMessages)
      throw new RangeError(`a batch holds 1 to ${LIMITS.batchMessages} messages`);
    if (maxBytes > LIMITS.requestBytes || maxBytes < LIMITS.messageBytes + ENVELOPE_BYTES)
      throw new RangeError(`a batch body is ${LIMITS.messageBytes} to ${LIMITS.requestBytes} bytes`);
  }

  add(message: Readonly<Record<string, unknown>>, line: number): Batch | undefined {
    const json = JSON.stringify(message);
    const size = Buffer.byteLength(json, 'utf8') + (this.parts.length > 0 ? 1 : 0);
    let full: Batch | undefined;
    if (this.parts.length >= this.maxMessages || (this.parts.length > 0 && this.bytes + size > this.maxBytes))
      full = this.flush();
    this.bytes += Buffer.byteLength(json, 'utf8') + (this.parts.length > 0 ? 1 : 0);
    this.parts.push(json);
    this.lines.push(line);
    return full;
  }

  flush(): Batch | undefined {
    if (this.parts.length === 0) return undefined;
    const batch = { body: `{"batch":[${this.parts.join(',')}]}`, lines: this.lines };
    this.parts = [];
    this.lines = [];
    this.bytes = ENVELOPE_BYTES;
    return batch;
  }
}

/** Line numbers kept per rejection reason (the count goes on past it). */
const LINES_KEPT = 10;

/** What the import summary reports. */
export interface ImportSummary {
  readonly linesRead: number;
  /** Messages that passed the file's checks (sent, or would be with --dry-run). */
  readonly valid: number;
  /** Messages ingest accepted (0 on a dry run). */
  readonly accepted: number;
  /** Messages whose messageId appeared earlier in the file: not sent again. */
  readonly duplicates: number;
  readonly rejected: Readonly<
    Partial<Record<ImportRejectReason, { readonly count: number; readonly lines: readonly number[] }>>
  >;
  readonly people: number;
  /** Earliest and latest event time of the valid messages (ISO). */
  readonly span?: { readonly from: string; readonly to: string };
}

/** Counts an import line by line; `accept`/`reject` record what ingest answered. */
export class ImportTally {
  linesRead = 0;
  valid = 0;
  accepted = 0;
  duplicates = 0;
  private readonly ids = new Set<string>();
  private readonly people = new Set<string>();
  private readonly rejected = new Map<ImportRejectReason, { count: number; lines: number[] }>();
  private from = Number.POSITIVE_INFINITY;
  private to = Number.NEGATIVE_INFINITY;

  /** Records a parsed line; returns true when its message should be sent (valid and not seen yet). */
  take(parsed: ParsedLine): boolean {
    if (parsed.kind === 'skip') return false;
    if (parsed.kind === 'rejected') {
      this.reject(parsed.reason, parsed.line);
      return false;
    }
    if (this.ids.has(parsed.messageId)) {
      this.duplicates++;
      return false;
    }
    this.ids.add(parsed.messageId);
    this.valid++;
    this.people.add(parsed.person);
    this.from = Math.min(this.from, parsed.at);
    this.to = Math.max(this.to, parsed.at);
    return true;
  }

  reject(reason: ImportRejectReason, line: number): void {
    const r = this.rejected.get(reason) ?? { count: 0, lines: [] };
    r.count++;
    if (r.lines.length < LINES_KEPT) r.lines.push(line);
    this.rejected.set(reason, r);
  }

  /** Lines rejected by the file checks or by ingest. */
  get rejectedCount(): number {
    return [...this.rejected.values()].reduce((s, r) => s + r.count, 0);
  }

  summary(): ImportSummary {
    return {
      linesRead: this.linesRead,
      valid: this.valid,
      accepted: this.accepted,
      duplicates: this.duplicates,
      rejected: Object.fromEntries(
        [...this.rejected.entries()].map(([k, v]) => [
          k,
          { count: v.count, lines: [...v.lines].sort((a, b) => a - b) },
        ]),
      ),
      people: this.people.size,
      ...(this.valid > 0
        ? { span: { from: new Date(this.from).toISOString(), to: new Date(this.to).toISOString() } }
        : {}),
    };
  }
}

/** The summary as the CLI prints it. */
export function formatSummary(s: ImportSummary, dryRun: boolean): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rows = [
    `lines read   ${n(s.linesRead)}`,
    dryRun ? `valid        ${n(s.valid)} (dry run: nothing sent)` : `accepted     ${n(s.accepted)}`,
    `duplicates   ${n(s.duplicates)} (messageId seen earlier in the file)`,
  ];
  const reasons = Object.entries(s.rejected).sort(([a], [b]) => a.localeCompare(b));
  const total = reasons.reduce((t, [, r]) => t + (r?.count ?? 0), 0);
  rows.push(`rejected     ${n(total)}`);
  for (const [reason, r] of reasons) {
    if (!r) continue;
    const more = r.count > r.lines.length ? ', …' : '';
    rows.push(`  ${reason.padEnd(20)} ${n(r.count)} (line ${r.lines.join(', ')}${more})`);
  }
  rows.push(`people       ${n(s.people)}`);
  rows.push(`time span    ${s.span ? `${s.span.from} – ${s.span.to}` : 'none'}`);
  return `${rows.join('\n')}\n`;
}
