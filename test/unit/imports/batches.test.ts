import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Io, run } from '../../../infra/cli/commands/import.js';
import { Batcher, formatSummary, ImportTally } from '../../../shared/domain/imports/batches.js';
import { LIMITS } from '../../../shared/domain/ingest/limits.js';

describe('Batcher', () => {
  it('cuts batches at the message count and keeps each message’s file line', () => {
    const b = new Batcher(2);
    expect(b.add({ n: 1 }, 10)).toBeUndefined();
    expect(b.add({ n: 2 }, 11)).toBeUndefined();
    const full = b.add({ n: 3 }, 12)!;
    expect(JSON.parse(full.body)).toEqual({ batch: [{ n: 1 }, { n: 2 }] });
    expect(full.lines).toEqual([10, 11]);
    expect(b.flush()!.lines).toEqual([12]);
    expect(b.flush()).toBeUndefined();
  });

  it('never builds a body over the byte limit, counting UTF-8 bytes', () => {
    const b = new Batcher(LIMITS.batchMessages, 100_000);
    const big = { text: 'é'.repeat(10_000) }; // 20,000 bytes, 10,000 characters
    const batches = [];
    for (let i = 0; i < 12; i++) {
      const full = b.add(big, i);
      if (full) batches.push(full);
    }
    batches.push(b.flush()!);
    for (const batch of batches) expect(Buffer.byteLength(batch.body, 'utf8')).toBeLessThanOrEqual(100_000);
    expect(batches.flatMap((x) => x.lines)).toEqual([...Array(12).keys()]);
    expect(batches[0]!.lines).toHaveLength(4);
  });

  it('refuses limits beyond ingest’s', () => {
    expect(() => new Batcher(LIMITS.batchMessages + 1)).toThrow(RangeError);
    expect(() => new Batcher(10, LIMITS.requestBytes + 1)).toThrow(RangeError);
  });
});

describe('ImportTally', () => {
  it('counts duplicates by messageId, people and the time span, and keeps rejected line numbers', () => {
    const t = new ImportTally();
    const msg = (messageId: string, person: string, at: string, line: number) =>
      t.take({ kind: 'message', line, message: {}, messageId, person, at: Date.parse(at) });
    expect(msg('a', 'p1', '1997-03-01T00:00:00Z', 1)).toBe(true);
    expect(msg('a', 'p1', '1997-03-01T00:00:00Z', 2)).toBe(false);
    expect(msg('b', 'p2', '1997-01-01T00:00:00Z', 3)).toBe(true);
    for (let line = 20; line > 5; line--) t.take({ kind: 'rejected', line, reason: 'invalid_date' });
    const s = t.summary();
    expect(s).toMatchObject({ valid: 2, duplicates: 1, people: 2 });
    expect(s.span).toEqual({ from: '1997-01-01T00:00:00.000Z', to: '1997-03-01T00:00:00.000Z' });
    expect(s.rejected.invalid_date).toEqual({ count: 15, lines: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20] });
    expect(formatSummary(s, false)).toContain(
      '  invalid_date         15 (line 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, …)',
    );
  });
});

describe('feltfit import (against a fake endpoint)', () => {
  let dir: string;
  let out: string;
  let err: string;
  let sleeps: number[];
  let requests: { batch: { messageId: string }[] }[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feltfit-import-'));
    out = '';
    err = '';
    sleeps = [];
    requests = [];
  });

  const io = (answer: (n: number, body: { batch: { messageId: string }[] }) => Response): Io => ({
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { FELTFIT_WRITE_KEY: 'ff_test', FELTFIT_DATA_DIR: dir },
    errIsTty: false,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    fetch: async (_url, init) => {
      const body = JSON.parse(String(init?.body)) as { batch: { messageId: string }[] };
      requests.push(body);
      return answer(requests.length, body);
    },
  });
  const ok = (body: { batch: unknown[] }, rejected: unknown[] = []) =>
    new Response(JSON.stringify({ success: true, accepted: body.batch.length - rejected.length, rejected }), {
      status: 200,
    });

  async function orders(rows: number): Promise<string> {
    const file = join(dir, 'orders.csv');
    const lines = [
      'customer_id,date,amount',
      ...Array.from({ length: rows }, (_, i) => `${i % 7},1997-01-01,${i}`),
    ];
    await writeFile(file, `${lines.join('\r\n')}\r\n`);
    return file;
  }

  it('posts every order in batches of --batch and prints the summary', async () => {
    const file = await orders(25);
    const code = await run(
      [file, '--batch', '10', '--url', 'http://feltfit.test'],
      io((_n, b) => ok(b)),
    );
    expect(code).toBe(0);
    expect(requests.map((r) => r.batch.length)).toEqual([10, 10, 5]);
    expect(out).toContain('lines read   26');
    expect(out).toContain('accepted     25');
    expect(out).toContain('people       7');
    expect(out).toContain('time span    1997-01-01T00:00:00.000Z – 1997-01-01T00:00:00.000Z');
    expect(err).toMatch(/import: 100% {2}26 lines · 25 accepted · 0 rejected/);
  });

  it('waits as Retry-After says on 429 and 503, then sends the same messages again', async () => {
    const file = await orders(3);
    const code = await run(
      [file, '--url', 'http://feltfit.test'],
      io((n, b) =>
        n === 1
          ? new Response('{"error":{"code":"throttled"}}', { status: 429, headers: { 'retry-after': '7' } })
          : n === 2
            ? new Response('', { status: 503, headers: { 'retry-after': '2' } })
            : ok(b),
      ),
    );
    expect(code).toBe(0);
    expect(sleeps).toEqual([7000, 2000]);
    expect(requests[2]!.batch.map((m) => m.messageId)).toEqual(requests[0]!.batch.map((m) => m.messageId));
    expect(out).toContain('accepted     3');
  });

  it('maps messages ingest rejected back to their file lines, and exits 1', async () => {
    const file = await orders(3);
    const code = await run(
      [file, '--url', 'http://feltfit.test'],
      io((_n, b) => ok(b, [{ index: 1, code: 'invalid_message' }])),
    );
    expect(code).toBe(1);
    expect(out).toContain('accepted     2');
    expect(out).toContain('  invalid_message      1 (line 3)');
  });

  it('stops on a refused write key and says so', async () => {
    const file = await orders(3);
    const code = await run(
      [file, '--url', 'http://feltfit.test'],
      io(
        () =>
          new Response('{"error":{"code":"invalid_write_key","message":"the write key is not recognised"}}', {
            status: 401,
          }),
      ),
    );
    expect(code).toBe(1);
    expect(err).toContain(
      'feltfit import: POST /v1/batch answered 401 invalid_write_key: the write key is not recognised',
    );
  });

  it('stops at once when nothing listens (npm start not running) instead of retrying', async () => {
    const file = await orders(3);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 3000,
    });
    const code = await run(
      [file, '--url', 'http://localhost:3000'],
      io(() => {
        throw new TypeError('fetch failed', { cause: refused });
      }),
    );
    expect(code).toBe(1);
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(err).toContain('feltfit import: the local runtime is not running (start it with `npm start`)\n');
  });

  it('checks every line on --dry-run and sends nothing', async () => {
    const file = join(dir, 'events.jsonl');
    await writeFile(
      file,
      [
        '{"type":"track","userId":"u1","event":"Signed Up","timestamp":"2015-01-01T00:00:00Z"}',
        '{"type":"track","userId":"u1","event":"Signed Up","timestamp":"2015-01-01T00:00:00Z"}',
        'not json',
        '{"type":"identify","userId":"u2","traits":{}}',
        '',
      ].join('\n'),
    );
    const code = await run(
      [file, '--dry-run'],
      io(() => new Response('', { status: 500 })),
    );
    expect(code).toBe(1);
    expect(requests).toHaveLength(0);
    expect(out).toContain('valid        1 (dry run: nothing sent)');
    expect(out).toContain('duplicates   1');
    expect(out).toContain('  invalid_json         1 (line 3)');
    expect(out).toContain('  missing_timestamp    1 (line 4)');
    expect(out).not.toContain('u1');
  });

  it('exits 2 for a missing file, a bad flag or a header without the required columns', async () => {
    const fake = io(() => new Response('', { status: 500 }));
    expect(await run([join(dir, 'nope.csv'), '--dry-run'], fake)).toBe(2);
    expect(await run([join(dir, 'x'), '--batch', '3000'], fake)).toBe(2);
    expect(err).toContain('--batch must be at most 2500');
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'name,when\nx,1997-01-01\n');
    expect(await run([file, '--dry-run'], fake)).toBe(2);
    expect(err).toContain('the header names no customer, date, amount column');
  });
});
