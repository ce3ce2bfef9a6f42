/**
 * `feltfit demo [--people N] [--days D] [--seed S] [--url URL]`: fills a running Feltfit with a
 * deterministic demo store (shared/domain/demo) through the public ingest endpoint, approves a
 * starter content set as "Demo Reviewer", asks for model training and prints a summary.
 *
 * The runtime's URL comes from --url, else `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json`; the write
 * key and admin token from FELTFIT_WRITE_KEY / FELTFIT_ADMIN_TOKEN, else
 * `${FELTFIT_DATA_DIR:-.feltfit}/credentials.json` (written by `npm start`).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { contentAdapters, parseContentEnv } from '../../../shared/adapters/bedrock/wiring.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { contentIntentOf } from '../../../shared/adapters/journey-ports/variant-catalogue.js';
import type { ContentChannel } from '../../../shared/config/content.js';
import { defaultJourneysConfig } from '../../../shared/config/journeys.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { Brief, type BriefInput } from '../../../shared/domain/content/schemas.js';
import { DemoOptions } from '../../../shared/domain/demo/people.js';
import { demoStream } from '../../../shared/domain/demo/store.js';
import type { JourneyDefinition } from '../../../shared/domain/journeys/definition.js';
import { ArgsError, command, commandHelp, parseCommand } from '../args.js';
import { isConnectionRefused, reportUnexpected } from '../errors.js';
import { resolveHttpTarget, resolveTable, TargetNotFoundError } from '../target.js';

/** `feltfit demo`: options and example (the help is generated from them). */
export const DEMO = command({
  name: 'demo',
  summary: `Fills a running Feltfit with a deterministic demo store through POST /v1/batch: people who browse,
search, abandon carts and checkouts, order (BG/NBD and Gamma-Gamma with the CDNOW parameters), refund,
open tickets and answer CSAT and NPS surveys, grant and withdraw consent, plus a few bad messages the
ingest quarantines. Then approves a starter content set as "Demo Reviewer", requests model training
and prints a summary.`,
  options: {
    people: { type: 'string', value: 'N', describe: 'people to generate (default 2000, at most 1000000)' },
    days: { type: 'string', value: 'D', describe: 'days of history, ending now (default 90)' },
    seed: {
      type: 'string',
      value: 'S',
      describe: 'seed; the same seed gives the same store (default feltfit)',
    },
    url: {
      type: 'string',
      value: 'URL',
      describe: "Feltfit's URL (default: url in ${FELTFIT_DATA_DIR:-.feltfit}/runtime.json)",
    },
  },
  examples: ['npx feltfit demo --people 200 --days 30'],
  details: `The write key and admin token come from FELTFIT_WRITE_KEY and FELTFIT_ADMIN_TOKEN, else from
\${FELTFIT_DATA_DIR:-.feltfit}/credentials.json.`,
});

/** The reviewer the audit trail names for the starter content. */
export const DEMO_REVIEWER = 'Demo Reviewer';
/** Generated variants left pending, so the console's review queue has something in it. */
const LEAVE_PENDING = 3;
/** The ingest's limits are 2,500 messages and 500 KB; the demo stays well under both. */
const BATCH_MESSAGES = 500;
const BATCH_BYTES = 400 * 1024;
const IN_FLIGHT = 3;
/** Failed attempts (5xx, network) of one batch before the demo gives up. */
const MAX_FAILURES = 10;

/** Where the command writes and what it reads; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (one updating progress line) or not (a few plain lines). */
  readonly errIsTty: boolean;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  errIsTty: process.stderr.isTTY === true,
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A problem with the command line or the setup: exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

const integer = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${flag} must be a whole number`)
    .transform(Number)
    .pipe(
      z.number().min(min, `--${flag} must be at least ${min}`).max(max, `--${flag} must be at most ${max}`),
    );

/** The flags, as strings from the command line. */
export const DemoFlags = z
  .object({
    people: integer('people', 1, 1_000_000).default(2_000),
    days: integer('days', 1, 3_650).default(90),
    seed: z
      .string()
      .regex(/^[\w.-]{1,64}$/, '--seed must be 1 to 64 letters, digits, dots, dashes or underscores')
      .default('feltfit'),
    url: z
      .string()
      .refine((u) => /^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u), '--url must be an http(s) URL')
      .optional(),
  })
  .strict();
export type DemoFlags = z.infer<typeof DemoFlags>;

function parseFlags(args: string[]): DemoFlags | 'help' {
  const parsed = parseCommand(DEMO, args);
  if (parsed.help) return 'help';
  const flags = DemoFlags.safeParse(parsed.values);
  if (!flags.success) throw new UsageError(flags.error.issues[0]!.message);
  return flags.data;
}

/** Feltfit's URL and the two secrets the demo needs. */
export interface DemoTarget {
  readonly url: string;
  readonly writeKey: string;
  readonly adminToken: string;
}

async function resolveDemoTarget(flags: DemoFlags, env: Io['env']): Promise<DemoTarget> {
  try {
    return await resolveHttpTarget(flags.url, env, ['writeKey', 'adminToken']);
  } catch (err) {
    throw err instanceof TargetNotFoundError ? new UsageError(err.message) : err;
  }
}

// ---------------------------------------------------------------------------------------------
// Posting

/** A 4xx other than a partly rejected batch: retrying the same request cannot help. */
class PostError extends Error {
  override readonly name = 'PostError';
}

/**
 * Back-pressure: a laptop's Feltfit shares its cores and DynamoDB Local with everything the events
 * set off (projector, journeys), and an ingest that times out says it is behind. A failure halves the
 * batches in flight and the messages per batch; a run of successes grows them back.
 */
export class Flow {
  width = IN_FLIGHT;
  size = BATCH_MESSAGES;
  private streak = 0;
  private lastNote = 0;

  constructor(private readonly onNote: (text: string) => void = () => {}) {}

  ok(): void {
    if (++this.streak < 4) return;
    this.streak = 0;
    this.width = Math.min(IN_FLIGHT, this.width + 1);
    this.size = Math.min(BATCH_MESSAGES, this.size * 2);
  }

  /** Says why the demo slows down, at most every ten seconds. */
  note(text: string): void {
    const now = Date.now();
    if (now - this.lastNote < 10_000) return;
    this.lastNote = now;
    this.onNote(text);
  }

  congested(): void {
    this.streak = 0;
    this.width = Math.max(1, Math.floor(this.width / 2));
    this.size = Math.max(50, Math.floor(this.size / 2));
  }
}

interface BatchResult {
  readonly accepted: number;
  readonly quarantined: number;
}

/** `Retry-After` in ms: seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Posts one batch. 429 and 503 wait as long as Retry-After says (up to 30 s); other 5xx and network
 * failures back off and retry a few times. The body is the same on every attempt, messageIds
 * included, so a batch the server stored before failing is stored once (ingest dedupes by messageId).
 */
async function postBatch(target: DemoTarget, body: string, io: Io, flow: Flow): Promise<BatchResult> {
  const auth = `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`;
  let failures = 0;
  for (let attempt = 1; ; attempt++) {
    let res: Response | undefined;
    let problem: string;
    try {
      res = await fetch(`${target.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body,
      });
      const text = await res.text();
      const json = (text ? JSON.parse(text) : {}) as {
        accepted?: number;
        rejected?: unknown[];
        error?: { code?: string; message?: string; rejected?: unknown[] };
      };
      if (res.ok) {
        flow.ok();
        return { accepted: json.accepted ?? 0, quarantined: json.rejected?.length ?? 0 };
      }
      // Every message of the batch was bad: all of them are in quarantine.
      if (res.status === 400 && json.error?.code === 'no_valid_messages')
        return { accepted: 0, quarantined: json.error.rejected?.length ?? 0 };
      problem = `${res.status} ${json.error?.code ?? ''}`.trim();
      if (res.status < 500 && res.status !== 429)
        throw new PostError(
          `POST /v1/batch answered ${problem}: ${json.error?.message ?? text.slice(0, 200)}`,
        );
    } catch (err) {
      if (err instanceof PostError || isConnectionRefused(err)) throw err;
      problem = err instanceof Error ? err.message : String(err);
    }
    const throttled = res?.status === 429 || res?.status === 503;
    flow.congested();
    if (!throttled) failures++;
    if (failures > MAX_FAILURES || attempt > 40)
      throw new Error(`POST /v1/batch failed ${attempt} times (last: ${problem})`);
    const hinted = throttled ? retryAfterMs(res!.headers.get('retry-after'), io.now().getTime()) : undefined;
    const wait = Math.min(30_000, hinted ?? 1_000 * 2 ** Math.min(failures - 1, 5));
    flow.note(`Feltfit is behind (${problem}); retrying in ${Math.ceil(wait / 1000)} s with smaller batches`);
    await io.sleep(wait);
  }
}

/** Progress on stderr: one redrawn line on a terminal, a line per quarter otherwise. */
class Progress {
  private lastDraw = 0;
  private nextQuarter = 1;

  constructor(
    private readonly io: Io,
    private readonly total: number,
    private readonly started: number,
  ) {}

  update(people: number, events: number, batches: number, force = false): void {
    const now = Date.now();
    const share = this.total === 0 ? 1 : people / this.total;
    const seconds = ((now - this.started) / 1000).toFixed(1);
    const figures = `${people.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} people · ${events.toLocaleString('en-US')} events · ${batches} batches · ${seconds} s`;
    if (this.io.errIsTty) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(share * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      this.io.err(`\r\x1b[2Kdemo ${bar} ${String(Math.floor(share * 100)).padStart(3)}%  ${figures}`);
      return;
    }
    const quarter = Math.floor(share * 4);
    if (quarter < this.nextQuarter) return;
    this.nextQuarter = quarter + 1;
    this.io.err(`demo: ${quarter * 25}%  ${figures}\n`);
  }

  done(): void {
    if (this.io.errIsTty) this.io.err('\n');
  }
}

/** What posting the store did. */
export interface PostSummary {
  readonly people: number;
  readonly sent: number;
  readonly accepted: number;
  readonly quarantined: number;
  readonly batches: number;
  readonly seconds: number;
}

/**
 * Generates the store person by person and posts it in batches, at most `flow.width` at a time; the
 * generator waits for a free slot, so memory holds a few batches whatever --people says.
 */
async function postStore(target: DemoTarget, options: DemoOptions, io: Io): Promise<PostSummary> {
  const started = Date.now();
  const progress = new Progress(io, options.people, started);
  const totals = { sent: 0, accepted: 0, quarantined: 0, batches: 0 };
  const flow = new Flow((text) => io.err(`${io.errIsTty ? '\r\x1b[2K' : ''}demo: ${text}\n`));
  const inFlight = new Map<number, { readonly firstPerson: number; readonly done: Promise<void> }>();
  let failure: unknown;
  let parts: string[] = [];
  let bytes = 0;
  let firstPerson = 1;
  let generated = 0;
  let batchNo = 0;

  // People whose every message is acknowledged: those before the oldest batch still open.
  const peopleDone = () =>
    Math.min(
      generated,
      parts.length > 0 ? firstPerson - 1 : generated,
      ...[...inFlight.values()].map((b) => b.firstPerson - 1),
    );
  const flush = async () => {
    if (parts.length === 0) return;
    while (inFlight.size >= flow.width) await Promise.race([...inFlight.values()].map((b) => b.done));
    if (failure) throw failure;
    const body = `{"batch":[${parts.join(',')}]}`;
    const count = parts.length;
    const no = ++batchNo;
    parts = [];
    bytes = 0;
    const done = postBatch(target, body, io, flow).then(
      (r) => {
        totals.sent += count;
        totals.accepted += r.accepted;
        totals.quarantined += r.quarantined;
        totals.batches++;
        inFlight.delete(no);
        progress.update(peopleDone(), totals.accepted, totals.batches);
      },
      (err: unknown) => {
        failure ??= err;
        inFlight.delete(no);
      },
    );
    inFlight.set(no, { firstPerson, done });
  };

  for (const chunk of demoStream(options)) {
    for (const message of chunk.messages) {
      const json = JSON.stringify(message);
      const size = Buffer.byteLength(json, 'utf8') + 1;
      if (parts.length >= flow.size || (parts.length > 0 && bytes + size > BATCH_BYTES - 32)) await flush();
      if (parts.length === 0 && chunk.kind === 'person') firstPerson = chunk.person.index;
      parts.push(json);
      bytes += size;
    }
    if (chunk.kind === 'person') generated = chunk.person.index;
  }
  await flush();
  await Promise.all([...inFlight.values()].map((b) => b.done));
  if (failure) throw failure;
  progress.update(options.people, totals.accepted, totals.batches, true);
  progress.done();
  return { people: options.people, ...totals, seconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Admin API

async function admin(
  target: DemoTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: admin answers are read field by field, each checked where used
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${target.adminToken}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 401 || res.status === 403)
    throw new Error(`${method} ${path.split('?')[0]} answered ${res.status}: the admin token was refused`);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: res.status, body: parsed };
}

interface VariantSummary {
  readonly id: string;
  readonly intent: string;
  readonly channel: string;
  readonly status: string;
}

async function listVariants(target: DemoTarget, status: string): Promise<VariantSummary[]> {
  const out: VariantSummary[] = [];
  let cursor: string | undefined;
  do {
    const query = `status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await admin(target, 'GET', `/admin/content?${query}`);
    if (res.status !== 200) throw new Error(`GET /admin/content answered ${res.status}`);
    out.push(...(res.body.variants as VariantSummary[]));
    cursor = res.body.cursor;
  } while (cursor && out.length < 2_000);
  return out;
}

const CONTENT_CHANNEL: Readonly<Record<string, ContentChannel>> = {
  email: 'email',
  sms: 'sms',
  push: 'push',
  inApp: 'in_app',
};

/**
 * One brief per journey step that sends by intent, and per decide-step candidate: the copy each
 * catalogue journey needs. Briefs name the step (`journey/step`), so the step's own copy wins over
 * copy written for the intent (see variant-catalogue.ts).
 */
export function starterBriefs(journeys: readonly JourneyDefinition[]): BriefInput[] {
  const out = new Map<string, BriefInput>();
  const add = (journey: string, step: string, intent: string, channel: string) => {
    const contentIntent = contentIntentOf(intent);
    const contentChannel = CONTENT_CHANNEL[channel];
    if (!contentIntent || !contentChannel) return;
    const key = `${journey}/${step}|${contentIntent}|${contentChannel}`;
    if (out.has(key)) return;
    out.set(key, {
      journeyStep: `${journey}/${step}`,
      intent: contentIntent,
      channel: contentChannel,
      audience: {
        segment: 'demo-store',
        description: `demo store customers in the ${journey} journey (${intent})`,
      },
      n: 1,
    });
  };
  for (const j of journeys) {
    for (const s of j.steps) {
      if (s.type === 'send' && 'intent' in s.content && s.channel)
        add(j.id, s.id, s.content.intent, s.channel);
      if (s.type === 'decide')
        for (const c of s.candidates) if (c.intent && c.channel) add(j.id, s.id, c.intent, c.channel);
    }
  }
  return [...out.values()];
}

interface GeneratedVariant {
  readonly id: string;
  readonly status: string;
}

/**
 * Generates a brief through the admin API (the runtime's own generator and playbook); where that
 * route is absent, the way `feltfit content generate` does, against the content table.
 */
async function generate(target: DemoTarget, brief: BriefInput, io: Io): Promise<GeneratedVariant[]> {
  const res = await admin(target, 'POST', '/admin/content/generate', brief);
  if (res.status === 201) return res.body.variants as GeneratedVariant[];
  if (res.status !== 404) throw new Error(`POST /admin/content/generate answered ${res.status}`);
  let table: Awaited<ReturnType<typeof resolveTable>>;
  try {
    table = await resolveTable(undefined, io.env, 'CONTENT_TABLE', 'content');
  } catch (err) {
    if (err instanceof TargetNotFoundError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  const client = documentClient(
    table.local
      ? {
          endpoint: table.endpoint,
          region: io.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  const adapters = contentAdapters(parseContentEnv({ ...io.env, CONTENT_TABLE: table.tableName }), client);
  const result = await generateContent({ ...adapters, now: io.now, newId: randomUUID }, Brief.parse(brief));
  return result.variants.map((v) => ({ id: v.id, status: v.status }));
}

/** Maps items with at most `width` calls in flight; results in input order. */
async function pool<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

/** What the content step did. */
export interface ContentSummary {
  readonly generated: number;
  readonly approved: number;
  readonly pending: number;
  readonly failed: number;
}

/**
 * Approves a starter content set as DEMO_REVIEWER. Variants already waiting are approved but for the
 * newest few, left in the review queue; then each journey step whose intent and channel still lack
 * approved copy gets a brief, one variant of which is approved (a second variant of a few briefs
 * stays pending when the queue would otherwise be short). A second run finds everything covered
 * and changes nothing.
 */
async function approveStarterContent(target: DemoTarget, io: Io): Promise<ContentSummary> {
  const approve = (ids: readonly string[]) =>
    pool(ids, 4, async (id) => {
      const res = await admin(target, 'POST', `/admin/content/${encodeURIComponent(id)}/review`, {
        decision: 'approve',
        comment: 'Starter copy for the demo store',
        reviewer: DEMO_REVIEWER,
      });
      return res.status === 200;
    });
  const waiting = await listVariants(target, 'pending_review');
  const outcomes = await approve(waiting.slice(LEAVE_PENDING).map((v) => v.id));

  const approved = await listVariants(target, 'approved');
  const covered = new Set(approved.map((v) => `${v.intent}|${v.channel}`));
  const briefs = starterBriefs(defaultJourneysConfig.journeys).filter(
    (b) => !covered.has(`${b.intent}|${b.channel}`),
  );
  const extra = Math.max(0, LEAVE_PENDING - waiting.length);
  let generated = 0;
  const firsts = await pool(briefs, 4, async (brief, i) => {
    const variants = await generate(target, { ...brief, n: i < extra ? 2 : 1 }, io);
    generated += variants.length;
    return variants.find((v) => v.status === 'pending_review')?.id;
  });
  outcomes.push(...(await approve(firsts.filter((id): id is string => id !== undefined))));
  const approvedCount = outcomes.filter(Boolean).length;
  const pending = await listVariants(target, 'pending_review');
  return {
    generated,
    approved: approvedCount,
    pending: pending.length,
    failed: outcomes.length - approvedCount,
  };
}

// ---------------------------------------------------------------------------------------------

/** Runs `feltfit demo`; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  let flags: DemoFlags;
  let target: DemoTarget;
  try {
    const parsed = parseFlags(args);
    if (parsed === 'help') {
      io.out(commandHelp(DEMO));
      return 0;
    }
    flags = parsed;
    target = await resolveDemoTarget(flags, io.env);
  } catch (err) {
    if (err instanceof ArgsError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`feltfit demo: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const options = DemoOptions.parse({
    people: flags.people,
    days: flags.days,
    seed: flags.seed,
    now: io.now().getTime(),
  });
  try {
    // Copy first: journeys started by the store's events (welcome, cart recovery) then find
    // approved variants; decide caches the approved list for a minute, so approving after the
    // events would leave the first sends without copy.
    const contentStarted = Date.now();
    const content = await approveStarterContent(target, io);
    io.err(
      `demo: content: ${content.generated} generated, ${content.approved} approved by ${DEMO_REVIEWER}, ${content.pending} pending review${content.failed ? `, ${content.failed} could not be approved` : ''} (${((Date.now() - contentStarted) / 1000).toFixed(1)} s)\n`,
    );
    const posted = await postStore(target, options, io);

    const train = await admin(target, 'POST', '/admin/models/train', {});
    if (train.status === 404)
      io.err('demo: model training is not available on this Feltfit (404); skipped\n');
    else if (train.status >= 300) io.err(`demo: model training answered ${train.status}; skipped\n`);
    else io.err('demo: model training requested\n');

    io.out(
      [
        `people       ${posted.people.toLocaleString('en-US')}`,
        `events       ${posted.accepted.toLocaleString('en-US')} accepted, ${posted.quarantined} quarantined`,
        `batches      ${posted.batches} in ${posted.seconds.toFixed(1)} s`,
        `content      ${content.approved} approved by ${DEMO_REVIEWER}, ${content.pending} pending review`,
        `console      ${target.url}/?token=${encodeURIComponent(target.adminToken)}`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`feltfit demo: ${err.message}\n`);
      return 2;
    }
    return reportUnexpected('demo', err, io);
  }
}
