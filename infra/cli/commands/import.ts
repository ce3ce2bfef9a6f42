/**
 * `feltfit import FILE [--format jsonl|csv] [--dry-run] [--batch N] [--url URL]`: replays a history
 * (Segment-format JSON lines, or a CSV of orders) through the public ingest endpoint in batches,
 * with a progress bar and a summary. Every message keeps its own event time, so profiles, features
 * and model inputs are built while journeys, sends and conversions skip moments long past
 * (docs/imports.md).
 *
 * Target as for `feltfit demo`: --url, else `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json`; the write
 * key from FELTFIT_WRITE_KEY, else `${FELTFIT_DATA_DIR:-.feltfit}/credentials.json`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import * as z from 'zod';
import { type Batch, Batcher, formatSummary, ImportTally } from '../../../shared/domain/imports/batches.js';
import {
  cleanLine,
  formatOf,
  ImportFormat,
  type ImportRejectReason,
  OrdersCsvReader,
  OrdersHeaderError,
  type ParsedLine,
  parseSegmentLine,
} from '../../../shared/domain/imports/lines.js';
import { LIMITS } from '../../../shared/domain/ingest/limits.js';
import { ArgsError, command, commandHelp, parseCommand } from '../args.js';
import { isConnectionRefused, reportUnexpected } from '../errors.js';
import { resolveHttpTarget, TargetNotFoundError } from '../target.js';

/** `feltfit import`: options and examples (the help is generated from them). */
export const IMPORT = command({
  name: 'import',
  summary: `Replays past events through POST /v1/batch. FILE is Segment-format JSON lines (one message a line:
track, identify, page, screen, group, alias; each needs a timestamp) or a CSV of orders with a header
naming a customer column (customer_id, user_id, …), a date column (date, order_date, …; YYYY-MM-DD,
YYYYMMDD or ISO-8601) and an amount column (amount, revenue, total, …), optionally order_id and
currency. Profiles and features are built from the events; journeys, sends and conversions skip
moments long past (docs/imports.md). A re-import stores nothing twice.`,
  args: 'FILE',
  minArgs: 1,
  options: {
    format: {
      type: 'string',
      value: 'F',
      describe: 'jsonl or csv (default: from the file name, else from its first line)',
    },
    'dry-run': { type: 'boolean', describe: 'check every line and print the summary; send nothing' },
    batch: {
      type: 'string',
      value: 'N',
      describe: `messages per request (default 500, at most ${LIMITS.batchMessages})`,
    },
    url: {
      type: 'string',
      value: 'URL',
      describe: "Feltfit's URL (default: url in ${FELTFIT_DATA_DIR:-.feltfit}/runtime.json)",
    },
  },
  examples: ['npx feltfit import examples/orders.csv --dry-run', 'npx feltfit import examples/history.jsonl'],
  details: `The write key comes from FELTFIT_WRITE_KEY, else \${FELTFIT_DATA_DIR:-.feltfit}/credentials.json.
Exit 0: every line imported; 1: some lines rejected (see the summary) or the endpoint failed;
2: a usage problem.`,
});

/** Where the command writes and what it reads; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (one redrawn progress bar) or not (a line per 10 %). */
  readonly errIsTty: boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly fetch: typeof fetch;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  errIsTty: process.stderr.isTTY === true,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  fetch: (...args) => fetch(...args),
};

/** A problem with the command line, the file's header or the setup: exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The endpoint refused the import as a whole (a bad write key) or kept failing: exit 1. */
class ImportFailedError extends Error {
  override readonly name = 'ImportFailedError';
}

/** The flags, as strings from the command line. */
export const ImportFlags = z
  .object({
    file: z.string().min(1, 'name the FILE to import'),
    format: ImportFormat.optional(),
    dryRun: z.boolean().default(false),
    batch: z
      .string()
      .regex(/^\d+$/, '--batch must be a whole number')
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, '--batch must be at least 1')
          .max(LIMITS.batchMessages, `--batch must be at most ${LIMITS.batchMessages}`),
      )
      .default(500),
    url: z
      .string()
      .refine((u) => /^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u), '--url must be an http(s) URL')
      .optional(),
  })
  .strict();
export type ImportFlags = z.infer<typeof ImportFlags>;

function parseFlags(args: string[]): ImportFlags | 'help' {
  const line = parseCommand(IMPORT, args);
  if (line.help) return 'help';
  const { 'dry-run': dryRun, ...values } = line.values;
  const parsed = ImportFlags.safeParse({
    file: line.positionals[0],
    ...values,
    ...(dryRun ? { dryRun } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(issue.path[0] === 'format' ? '--format must be jsonl or csv' : issue.message);
  }
  return parsed.data;
}

async function resolveTarget(flags: ImportFlags, env: Io['env']): Promise<Target> {
  try {
    return await resolveHttpTarget(flags.url, env, ['writeKey']);
  } catch (err) {
    throw err instanceof TargetNotFoundError ? new UsageError(err.message) : err;
  }
}

interface Target {
  readonly url: string;
  readonly writeKey: string;
}

// ---------------------------------------------------------------------------------------------
// Posting

/** Attempts of one batch that failed without a throttling answer before the import gives up. */
const MAX_FAILURES = 8;
/** Batches in flight: enough to hide a round trip, few enough not to flood a laptop's runtime. */
const IN_FLIGHT = 2;

/** `Retry-After` in ms: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const IngestAnswer = z
  .object({
    accepted: z.number().int().min(0).optional(),
    rejected: z.array(z.object({ index: z.number().int().min(0), code: z.string() }).loose()).optional(),
    error: z
      .object({
        code: z.string().optional(),
        message: z.string().optional(),
        rejected: z.array(z.object({ index: z.number().int().min(0), code: z.string() }).loose()).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

const INGEST_REASONS: ReadonlySet<string> = new Set<ImportRejectReason>([
  'invalid_message',
  'message_too_large',
]);

/**
 * Posts one batch until ingest answers it. 429 and 503 wait as Retry-After says (at most 60 s; 1 s
 * without one) and do not count as failures; other 5xx and network errors back off and retry a few
 * times. The body is the same on every attempt, messageIds included, so a batch stored before a
 * failure is stored once. Messages ingest rejected are tallied by their file line.
 */
async function postBatch(target: Target, batch: Batch, tally: ImportTally, io: Io): Promise<void> {
  const auth = `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`;
  let failures = 0;
  for (;;) {
    let res: Response | undefined;
    let problem: string;
    try {
      res = await io.fetch(`${target.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: batch.body,
      });
      const text = await res.text();
      let json: unknown = {};
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        // not JSON (a proxy's error page): judged by the status alone
      }
      const answer = IngestAnswer.safeParse(json);
      const body = answer.success ? answer.data : {};
      const rejected = res.ok
        ? body.rejected
        : res.status === 400 && body.error?.code === 'no_valid_messages'
          ? (body.error.rejected ?? [])
          : undefined;
      if (rejected) {
        tally.accepted += res.ok ? (body.accepted ?? batch.lines.length - rejected.length) : 0;
        for (const r of rejected) {
          const line = batch.lines[r.index];
          if (line === undefined) continue;
          tally.reject(
            INGEST_REASONS.has(r.code) ? (r.code as ImportRejectReason) : 'rejected_by_ingest',
            line,
          );
        }
        return;
      }
      problem = `${res.status} ${body.error?.code ?? ''}`.trim();
      if (res.status < 500 && res.status !== 429)
        throw new ImportFailedError(
          `POST /v1/batch answered ${problem}${body.error?.message ? `: ${body.error.message}` : ''}`,
        );
    } catch (err) {
      if (err instanceof ImportFailedError || isConnectionRefused(err)) throw err;
      problem = err instanceof Error ? err.message : String(err);
    }
    const throttled = res?.status === 429 || res?.status === 503;
    if (!throttled && ++failures > MAX_FAILURES)
      throw new ImportFailedError(`POST /v1/batch failed ${failures} times (last: ${problem})`);
    const hinted = throttled ? retryAfterMs(res!.headers.get('retry-after'), Date.now()) : undefined;
    await io.sleep(Math.min(60_000, hinted ?? (throttled ? 1_000 : 500 * 2 ** Math.min(failures - 1, 6))));
  }
}

/** Progress on stderr by bytes read: one redrawn bar on a terminal, a line per 10 % otherwise. */
class Progress {
  private lastDraw = 0;
  private nextTenth = 1;
  private readonly started = Date.now();

  constructor(
    private readonly io: Io,
    private readonly totalBytes: number,
  ) {}

  update(bytes: number, tally: ImportTally, force = false): void {
    const share = this.totalBytes === 0 ? 1 : Math.min(1, bytes / this.totalBytes);
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const figures = `${tally.linesRead.toLocaleString('en-US')} lines · ${tally.accepted.toLocaleString('en-US')} accepted · ${tally.rejectedCount} rejected · ${seconds} s`;
    if (this.io.errIsTty) {
      const now = Date.now();
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(share * width);
      this.io.err(
        `\r\x1b[2Kimport ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(Math.floor(share * 100)).padStart(3)}%  ${figures}`,
      );
      return;
    }
    // Bytes are read ahead in 64 KB chunks: 100 % is printed once more at the end with the final figures.
    const tenth = force ? 10 : Math.min(9, Math.floor(share * 10));
    if (tenth < this.nextTenth && !force) return;
    this.nextTenth = tenth + 1;
    this.io.err(`import: ${tenth * 10}%  ${figures}\n`);
  }

  done(): void {
    if (this.io.errIsTty) this.io.err('\n');
  }
}

/** Reads the file line by line (BOM and CRLF removed) and hands each record's outcome to `onLine`. */
async function readLines(
  file: string,
  format: ImportFormat,
  onLine: (parsed: ParsedLine, bytesRead: number, lineNo: number) => Promise<void>,
): Promise<{ ignoredColumns: string[] }> {
  const stream = createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const csv = format === 'csv' ? new OrdersCsvReader() : undefined;
  let no = 0;
  for await (const raw of lines) {
    no++;
    const text = cleanLine(raw, no === 1);
    const parsed = csv ? csv.feed(text, no) : [parseSegmentLine(text, no)];
    for (const p of parsed) await onLine(p, stream.bytesRead, no);
  }
  for (const p of csv?.end() ?? []) await onLine(p, stream.bytesRead, no);
  return { ignoredColumns: csv?.ignoredColumns ?? [] };
}

async function firstLine(file: string): Promise<string | undefined> {
  const lines = createInterface({ input: createReadStream(file, { end: 64 * 1024 }) });
  for await (const line of lines) {
    if (line.trim() !== '') {
      lines.close();
      return line;
    }
  }
  return undefined;
}

/** Runs `feltfit import`; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  let flags: ImportFlags;
  let target: Target | undefined;
  let format: ImportFormat;
  let size: number;
  try {
    const parsed = parseFlags(args);
    if (parsed === 'help') {
      io.out(commandHelp(IMPORT));
      return 0;
    }
    flags = parsed;
    try {
      const info = await stat(flags.file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch {
      throw new UsageError(`cannot read ${flags.file}`);
    }
    const detected = flags.format ?? formatOf(flags.file, await firstLine(flags.file));
    if (!detected) throw new UsageError(`${flags.file} is empty`);
    format = detected;
    if (!flags.dryRun) target = await resolveTarget(flags, io.env);
  } catch (err) {
    if (err instanceof ArgsError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`feltfit import: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const tally = new ImportTally();
  const batcher = new Batcher(flags.batch, LIMITS.requestBytes - 1024);
  const progress = new Progress(io, size);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let bytes = 0;
  const send = async (batch: Batch | undefined) => {
    if (!batch || !target) return;
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure;
    const done: Promise<void> = postBatch(target, batch, tally, io)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => {
        inFlight.delete(done);
        progress.update(bytes, tally);
      });
    inFlight.add(done);
  };

  try {
    const { ignoredColumns } = await readLines(flags.file, format, async (parsed, bytesRead, lineNo) => {
      bytes = bytesRead;
      tally.linesRead = lineNo;
      if (tally.take(parsed) && parsed.kind === 'message')
        await send(batcher.add(parsed.message, parsed.line));
      progress.update(bytes, tally);
    });
    await send(batcher.flush());
    await Promise.all(inFlight);
    if (failure) throw failure;
    progress.update(size, tally, true);
    progress.done();
    if (ignoredColumns.length > 0)
      io.err(`import: columns ignored: ${ignoredColumns.map((c) => c.slice(0, 40)).join(', ')}\n`);
    io.out(formatSummary(tally.summary(), flags.dryRun));
    return tally.rejectedCount > 0 ? 1 : 0;
  } catch (err) {
    progress.done();
    if (err instanceof OrdersHeaderError) {
      io.err(`feltfit import: ${flags.file}: ${err.message}\n`);
      return 2;
    }
    // What was sent before the failure is stored; a re-run posts the same messageIds and adds only the rest.
    io.out(formatSummary(tally.summary(), flags.dryRun));
    return reportUnexpected('import', err, io);
  }
}
