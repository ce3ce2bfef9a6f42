/**
 * History imports: one line of a file in, one Segment message (or a reason it cannot be one) out.
 * Two formats: Segment-format JSON lines (one message a line, as a Segment or RudderStack export
 * writes them) and a CSV of orders. Every message carries its event time, since an import exists to
 * replay the past: the journeys' rules for old moments judge by it (docs/imports.md).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { LIMITS } from '../ingest/limits.js';
import { isPlainRecord, parseJson } from '../ingest/safe-json.js';
import { MESSAGE_SCHEMAS, MessageType, parseIsoMillis } from '../ingest/schemas.js';

/** Why a line was not imported (machine-readable; printed with line numbers, never with values). */
export type ImportRejectReason =
  | 'invalid_json'
  | 'invalid_message'
  | 'message_too_large'
  | 'missing_timestamp'
  | 'missing_customer'
  | 'invalid_date'
  | 'invalid_amount'
  | 'invalid_currency'
  | 'wrong_column_count'
  | 'unterminated_quote'
  // Answered by the ingest endpoint for a message the file parsers let through.
  | 'rejected_by_ingest';

/** One line (or CSV record) read. */
export type ParsedLine =
  | {
      readonly kind: 'message';
      readonly line: number;
      readonly message: Readonly<Record<string, unknown>>;
      readonly messageId: string;
      /** userId, else anonymousId: counted for the summary, never printed. */
      readonly person: string;
      /** Event time, epoch ms. */
      readonly at: number;
    }
  | { readonly kind: 'rejected'; readonly line: number; readonly reason: ImportRejectReason }
  /** A blank line, the CSV header, or a quoted CSV field that continues on the next line. */
  | { readonly kind: 'skip' };

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Strips a UTF-8 byte-order mark and a trailing carriage return (CRLF files). */
export function cleanLine(text: string, first: boolean): string {
  const noBom = first && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return noBom.endsWith('\r') ? noBom.slice(0, -1) : noBom;
}

/**
 * Fields a file may carry that the import drops: `sentAt` would make ingest correct the clock
 * (timestamp = receivedAt − (sentAt − timestamp)), moving every past event to today; `receivedAt`
 * and `writeKey` are the server's and the source's, not the event's.
 */
const DROPPED = ['sentAt', 'receivedAt', 'writeKey'] as const;

/** The event time of a message: `timestamp`, else `originalTimestamp` (ISO-8601); NaN if neither. */
function eventTime(m: Record<string, unknown>): number {
  for (const field of ['timestamp', 'originalTimestamp'] as const) {
    const v = m[field];
    if (typeof v === 'string') {
      const ms = parseIsoMillis(v);
      if (Number.isFinite(ms)) return ms;
    }
  }
  return Number.NaN;
}

/**
 * One Segment-format JSON line. The message keeps its `messageId`; one without gets
 * `imp-<sha256 of the line>`, so importing the same file twice posts the same ids and ingest stores
 * each message once. Validated with ingest's own schemas, so `--dry-run` finds what ingest would reject.
 */
export function parseSegmentLine(raw: string, line: number): ParsedLine {
  const text = raw.trim();
  if (text === '') return { kind: 'skip' };
  const rejected = (reason: ImportRejectReason): ParsedLine => ({ kind: 'rejected', line, reason });
  const parsed = parseJson(text);
  if (!parsed.ok || !isPlainRecord(parsed.value)) return rejected('invalid_json');
  const message: Record<string, unknown> = { ...parsed.value };
  for (const field of DROPPED) delete message[field];
  if (message.messageId === undefined || message.messageId === null)
    message.messageId = `imp-${sha(text).slice(0, 40)}`;
  const type = MessageType.safeParse(message.type);
  if (!type.success || !MESSAGE_SCHEMAS[type.data].safeParse(message).success)
    return rejected('invalid_message');
  const at = eventTime(message);
  // Without a time, ingest would date the event now: an import of the past must say when.
  if (!Number.isFinite(at)) return rejected('missing_timestamp');
  if (Buffer.byteLength(JSON.stringify(message), 'utf8') > LIMITS.messageBytes)
    return rejected('message_too_large');
  const person = message.userId ?? message.anonymousId;
  return {
    kind: 'message',
    line,
    message,
    messageId: String(message.messageId),
    person: String(person),
    at,
  };
}

// ---------------------------------------------------------------------------------------------
// CSV of orders

/** CSV columns by role; a header cell matches after lower-casing and removing all but a–z and 0–9. */
export const ORDER_COLUMNS = {
  customer: ['customerid', 'customer', 'userid', 'clientid'],
  date: ['date', 'orderdate', 'purchasedate', 'invoicedate', 'timestamp', 'createdat', 'occurredat'],
  amount: ['amount', 'revenue', 'total', 'ordertotal', 'value'],
  orderId: ['orderid', 'ordernumber', 'order', 'invoiceno', 'invoice', 'transactionid'],
  currency: ['currency'],
} as const;
type Role = keyof typeof ORDER_COLUMNS;

/** The header did not name the required columns: the whole file is unusable (not one bad line). */
export class OrdersHeaderError extends Error {
  override readonly name = 'OrdersHeaderError';
}

/** Splits one CSV record (RFC 4180 quoting; `""` inside quotes is a quote). */
export function splitCsv(record: string, delimiter: string): string[] | 'unterminated' {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const c = record[i]!;
    if (quoted) {
      if (c === '"' && record[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (c === delimiter) {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return 'unterminated';
  out.push(field);
  return out.map((f) => f.trim());
}

/** Physical lines one quoted CSV field may span. */
const MAX_RECORD_LINES = 20;

/** Whether a record has an odd number of quotes, i.e. a quoted field continues on the next line. */
const opensQuote = (text: string) => (text.match(/"/g)?.length ?? 0) % 2 === 1;

const Amount = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number)
  .pipe(z.number().finite().max(1e9));
const Currency = z.string().regex(/^[A-Za-z]{3}$/);

/** `YYYY-MM-DD`, `YYYYMMDD` or an ISO-8601 date-time → epoch ms (NaN when none of those). */
export function orderTime(text: string): number {
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : text;
  const ms = parseIsoMillis(iso);
  // Date.parse rolls 1997-02-30 over to March; a date that does not round-trip is not a date.
  if (Number.isFinite(ms) && iso.length === 10 && new Date(ms).toISOString().slice(0, 10) !== iso)
    return Number.NaN;
  return ms;
}

/**
 * Reads a CSV of orders record by record: the first non-blank record is the header (its delimiter,
 * `,`, `;` or a tab, is the file's), each later one an `Order Completed` track for `userId` =
 * the customer column with `revenue` = the amount. An order without an order id gets
 * `imp-<sha256(customer|date|amount|n)>`, n counting identical rows before it, so two same-day
 * purchases of the same amount stay two orders and a re-import gives the same ids.
 */
export class OrdersCsvReader {
  private columns: Partial<Record<Role, number>> | undefined;
  private width = 0;
  private delimiter = ',';
  private pending: { text: string; line: number }[] | undefined;
  private readonly seen = new Map<string, number>();
  /** Header cells no role claimed (ignored, reported once). */
  ignoredColumns: string[] = [];

  /**
   * Feeds one physical line; returns what the record it completes holds. A quoted field may span
   * lines, up to MAX_RECORD_LINES: past that, the first line was a stray quote — it is rejected and
   * the lines after it are read again on their own, so one bad quote never swallows the file.
   */
  feed(raw: string, line: number): ParsedLine[] {
    const lines = [...(this.pending ?? []), { text: raw, line }];
    const text = lines.map((l) => l.text).join('\n');
    if (opensQuote(text)) {
      if (lines.length < MAX_RECORD_LINES) {
        this.pending = lines;
        return [{ kind: 'skip' }];
      }
      this.pending = undefined;
      const [first, ...rest] = lines;
      return [
        { kind: 'rejected', line: first!.line, reason: 'unterminated_quote' },
        ...rest.flatMap((l) => this.feed(l.text, l.line)),
      ];
    }
    this.pending = undefined;
    if (text.trim() === '') return [{ kind: 'skip' }];
    if (!this.columns) {
      this.header(text);
      return [{ kind: 'skip' }];
    }
    return [this.record(text, lines[0]!.line)];
  }

  /** At the end of the file: a quoted field still open is a bad first line; the rest are read again. */
  end(): ParsedLine[] {
    const [first, ...rest] = this.pending ?? [];
    this.pending = undefined;
    if (!first) return [];
    return [
      { kind: 'rejected', line: first.line, reason: 'unterminated_quote' },
      ...rest.flatMap((l) => this.feed(l.text, l.line)),
      ...this.end(),
    ];
  }

  private header(text: string): void {
    this.delimiter = text.includes(',') ? ',' : text.includes('\t') ? '\t' : text.includes(';') ? ';' : ',';
    const cells = splitCsv(text, this.delimiter);
    if (cells === 'unterminated') throw new OrdersHeaderError('the header has an unterminated quote');
    const columns: Partial<Record<Role, number>> = {};
    cells.forEach((cell, i) => {
      const key = cell.toLowerCase().replace(/[^a-z0-9]/g, '');
      const role = (Object.keys(ORDER_COLUMNS) as Role[]).find(
        (r) => columns[r] === undefined && (ORDER_COLUMNS[r] as readonly string[]).includes(key),
      );
      if (role) columns[role] = i;
      else this.ignoredColumns.push(cell);
    });
    const missing = (['customer', 'date', 'amount'] as const).filter((r) => columns[r] === undefined);
    if (missing.length > 0)
      throw new OrdersHeaderError(
        `the header names no ${missing.join(', ')} column (accepted: ${missing
          .map((r) => ORDER_COLUMNS[r].join('|'))
          .join('; ')})`,
      );
    this.columns = columns;
    this.width = cells.length;
  }

  private record(text: string, line: number): ParsedLine {
    const rejected = (reason: ImportRejectReason): ParsedLine => ({ kind: 'rejected', line, reason });
    const cells = splitCsv(text, this.delimiter);
    if (cells === 'unterminated') return rejected('unterminated_quote');
    if (cells.length !== this.width) return rejected('wrong_column_count');
    const cell = (role: Role) => {
      const i = this.columns![role];
      return i === undefined ? '' : cells[i]!;
    };
    const customer = cell('customer');
    if (customer === '' || customer.length > 1024) return rejected('missing_customer');
    const date = cell('date');
    const at = orderTime(date);
    if (!Number.isFinite(at)) return rejected('invalid_date');
    const amount = Amount.safeParse(cell('amount'));
    if (!amount.success) return rejected('invalid_amount');
    const currency = cell('currency');
    if (currency !== '' && !Currency.safeParse(currency).success) return rejected('invalid_currency');
    let orderId = cell('orderId');
    if (orderId === '') {
      const key = `${customer}|${date}|${amount.data}`;
      const n = this.seen.get(key) ?? 0;
      this.seen.set(key, n + 1);
      orderId = `imp-${sha(`${key}|${n}`).slice(0, 24)}`;
    }
    const messageId = `imp-order-${sha(`${customer}|${orderId}`).slice(0, 40)}`;
    const message = {
      type: 'track',
      event: 'Order Completed',
      userId: customer,
      messageId,
      timestamp: new Date(at).toISOString(),
      properties: {
        order_id: orderId,
        revenue: amount.data,
        ...(currency ? { currency: currency.toUpperCase() } : {}),
      },
    };
    return { kind: 'message', line, message, messageId, person: customer, at };
  }
}

/** The formats `feltfit import` reads. */
export const ImportFormat = z.enum(['jsonl', 'csv']);
export type ImportFormat = z.infer<typeof ImportFormat>;

/** The format a file name implies (`.csv`; `.jsonl`, `.ndjson`, `.json`), else from its first line. */
export function formatOf(file: string, firstLine: string | undefined): ImportFormat | undefined {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  const head = firstLine === undefined ? '' : cleanLine(firstLine, true).trimStart();
  if (head.startsWith('{')) return 'jsonl';
  return head ? 'csv' : undefined;
}
