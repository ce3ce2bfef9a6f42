import { describe, expect, it } from 'vitest';
import {
  cleanLine,
  formatOf,
  OrdersCsvReader,
  OrdersHeaderError,
  orderTime,
  type ParsedLine,
  parseSegmentLine,
  splitCsv,
} from '../../../shared/domain/imports/lines.js';
import { ingest } from '../../../shared/domain/ingest/ingest.js';
import { basicAuth, memoryDeps } from '../ingest/support.js';

const track = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'track',
    userId: 'u-1',
    event: 'Order Completed',
    properties: { order_id: 'o-1', revenue: 12.5 },
    timestamp: '2011-02-03T10:00:00Z',
    ...extra,
  });

const message = (p: ParsedLine) => {
  if (p.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(p)}`);
  return p;
};

/** Feeds every line of a CSV text to a reader, as the CLI does (BOM and CR removed). */
function readCsv(text: string): ParsedLine[] {
  const reader = new OrdersCsvReader();
  const out = text
    .split('\n')
    .flatMap((raw, i) => reader.feed(cleanLine(raw, i === 0), i + 1))
    .concat(reader.end());
  return out.filter((p) => p.kind !== 'skip');
}

describe('Segment JSON lines', () => {
  it('keeps a message’s own messageId and event time', () => {
    const p = message(parseSegmentLine(track({ messageId: 'm-7' }), 3));
    expect(p).toMatchObject({
      line: 3,
      messageId: 'm-7',
      person: 'u-1',
      at: Date.parse('2011-02-03T10:00:00Z'),
    });
  });

  it('derives the same messageId from the same line, and another from another line', () => {
    const a = message(parseSegmentLine(track(), 1)).messageId;
    expect(message(parseSegmentLine(track(), 9)).messageId).toBe(a);
    expect(a).toMatch(/^imp-[0-9a-f]{40}$/);
    expect(message(parseSegmentLine(track({ event: 'Order Refunded' }), 1)).messageId).not.toBe(a);
  });

  it('drops sentAt, which would make ingest move a past event to today', async () => {
    const p = message(parseSegmentLine(track({ sentAt: '2011-02-03T10:00:01Z', receivedAt: 'x' }), 1));
    expect(p.message).not.toHaveProperty('sentAt');
    expect(p.message).not.toHaveProperty('receivedAt');
    // Through the real ingest: the stored timestamp is the event's own; the raw line's would be today's.
    const stored = async (m: unknown) => {
      const { deps, events } = memoryDeps();
      await ingest(deps, 'batch', {
        headers: { authorization: basicAuth() },
        body: JSON.stringify({ batch: [m] }),
      });
      return events.all[0]?.timestamp;
    };
    expect(await stored(p.message)).toBe('2011-02-03T10:00:00.000Z');
    expect(await stored(JSON.parse(track({ sentAt: '2011-02-03T10:00:01Z' })))).toBe(
      '2024-05-01T11:59:59.000Z',
    );
  });

  it('reads originalTimestamp when there is no timestamp', () => {
    const line = track({ timestamp: undefined, originalTimestamp: '2012-01-01T00:00:00+01:00' });
    expect(message(parseSegmentLine(line, 1)).at).toBe(Date.parse('2011-12-31T23:00:00Z'));
  });

  it('keeps unicode as it is', () => {
    const p = message(parseSegmentLine(track({ properties: { order_id: 'ö-1', title: 'Grüße 🎉' } }), 1));
    expect(p.message.properties).toEqual({ order_id: 'ö-1', title: 'Grüße 🎉' });
  });

  it('rejects a bad line with a reason and its line number, never its content', () => {
    expect(parseSegmentLine('{"type":"track",', 4)).toEqual({
      kind: 'rejected',
      line: 4,
      reason: 'invalid_json',
    });
    expect(parseSegmentLine('[1,2]', 5)).toMatchObject({ reason: 'invalid_json' });
    expect(parseSegmentLine(track({ userId: undefined }), 6)).toMatchObject({ reason: 'invalid_message' });
    expect(parseSegmentLine(track({ type: 'order' }), 7)).toMatchObject({ reason: 'invalid_message' });
    expect(parseSegmentLine(track({ timestamp: undefined }), 8)).toEqual({
      kind: 'rejected',
      line: 8,
      reason: 'missing_timestamp',
    });
    expect(parseSegmentLine(track({ properties: { blob: 'x'.repeat(40_000) } }), 9)).toMatchObject({
      reason: 'message_too_large',
    });
  });

  it('skips blank lines', () => {
    expect(parseSegmentLine('   ', 1)).toEqual({ kind: 'skip' });
  });
});

describe('CSV of orders', () => {
  it('reads the CDNOW layout into Order Completed tracks with revenue', () => {
    const [a, b] = readCsv('customer_id,date,amount\n1,1997-01-01,29.33\n2,19970118,0\n').map(message);
    expect(a!.message).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      userId: '1',
      timestamp: '1997-01-01T00:00:00.000Z',
      properties: { revenue: 29.33 },
    });
    expect(b!).toMatchObject({ line: 3, person: '2', at: Date.parse('1997-01-18T00:00:00Z') });
  });

  it('handles a BOM, CRLF, quoted fields, other header spellings, a semicolon and unicode', () => {
    const text =
      '\ufeff"Order ID";Customer;Order Date;Total;Currency;Note\r\n"A;1";Zoë;2020-05-01T10:00:00+02:00;"10.5";eur;"says ""hi""\r\nover two lines"\r\n';
    const [p] = readCsv(text).map(message);
    expect(p!.message).toMatchObject({
      userId: 'Zoë',
      timestamp: '2020-05-01T08:00:00.000Z',
      properties: { order_id: 'A;1', revenue: 10.5, currency: 'EUR' },
    });
  });

  it('gives order ids that a re-import repeats, and keeps identical rows as separate orders', () => {
    const text = 'customer_id,date,amount\n1,1997-01-01,5\n1,1997-01-01,5\n';
    const first = readCsv(text).map(message);
    const again = readCsv(text).map(message);
    expect(first.map((p) => p.messageId)).toEqual(again.map((p) => p.messageId));
    expect(new Set(first.map((p) => p.messageId)).size).toBe(2);
    const orderIds = first.map((p) => (p.message.properties as { order_id: string }).order_id);
    expect(new Set(orderIds).size).toBe(2);
  });

  it('derives the messageId from the order id when there is one', () => {
    const a = readCsv('customer_id,date,amount,order_id\n1,1997-01-01,5,o-1\n').map(message);
    const b = readCsv('customer_id,date,amount,order_id\n1,1997-02-01,6,o-1\n').map(message);
    expect(a[0]!.messageId).toBe(b[0]!.messageId);
  });

  it('rejects bad rows with reasons and line numbers and goes on', () => {
    const text = [
      'customer_id,date,amount',
      ',1997-01-01,5',
      '1,1997-02-30,5',
      '1,yesterday,5',
      '1,1997-01-01,-5',
      '1,1997-01-01,5,extra',
      '1,1997-01-01,5',
    ].join('\n');
    const out = readCsv(text);
    expect(
      out.map((p) => (p.kind === 'rejected' ? [p.line, p.reason] : [p.kind === 'message' && p.line])),
    ).toEqual([
      [2, 'missing_customer'],
      [3, 'invalid_date'],
      [4, 'invalid_date'],
      [5, 'invalid_amount'],
      [6, 'wrong_column_count'],
      [7],
    ]);
  });

  it('rejects a stray quote without swallowing the lines after it', () => {
    const lines = [
      'customer_id,date,amount',
      '1,"1997-01-01,5',
      ...Array.from({ length: 25 }, () => '2,1997-01-01,5'),
    ];
    const out = readCsv(lines.join('\n'));
    expect(out[0]).toEqual({ kind: 'rejected', line: 2, reason: 'unterminated_quote' });
    expect(out.filter((p) => p.kind === 'message')).toHaveLength(25);
  });

  it('rejects an unterminated quote at the end of the file', () => {
    expect(readCsv('customer_id,date,amount\n1,1997-01-01,"5\n')).toEqual([
      { kind: 'rejected', line: 2, reason: 'unterminated_quote' },
    ]);
  });

  it('refuses a header without the required columns, naming what it accepts', () => {
    expect(() => readCsv('id,when\n1,1997-01-01\n')).toThrow(OrdersHeaderError);
    expect(() => readCsv('customer_id,when,amount\n')).toThrow(/no date column \(accepted: date\|orderdate/);
  });
});

describe('helpers', () => {
  it('splits RFC 4180 records', () => {
    expect(splitCsv('a,"b,c","d ""e""",', ',')).toEqual(['a', 'b,c', 'd "e"', '']);
    expect(splitCsv('a,"b', ',')).toBe('unterminated');
  });

  it('reads dates and rejects ones that do not exist', () => {
    expect(orderTime('19980630')).toBe(Date.parse('1998-06-30T00:00:00Z'));
    expect(orderTime('1998-02-29')).toBeNaN();
    expect(orderTime('06/30/1998')).toBeNaN();
  });

  it('tells the format from the name, else from the first line', () => {
    expect(formatOf('orders.CSV', '{')).toBe('csv');
    expect(formatOf('events.ndjson', 'a,b')).toBe('jsonl');
    expect(formatOf('export', '\ufeff  {"type":"track"}')).toBe('jsonl');
    expect(formatOf('export', 'customer_id,date,amount')).toBe('csv');
    expect(formatOf('export', undefined)).toBeUndefined();
  });
});
