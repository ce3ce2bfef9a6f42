/**
 * The template's EventBridge Scheduler schedules (`AWS::Scheduler::Schedule`), run on this machine:
 * each enabled schedule invokes its target function asynchronously with its `Input`, as Scheduler's
 * Lambda target does, on the schedule's `cron(…)`, `rate(…)` or `at(…)` expression.
 *
 * Time: the runtime's `timeScale` compresses schedules as it compresses journey waits. Schedules run
 * on a virtual clock that starts at the real start time and advances `1 / timeScale` times faster
 * (virtual = start + real elapsed / timeScale), so with 1/3600 the nightly scoring runs every 24 s
 * and the weekly training every 2.8 min. Fire times are computed on that clock in the schedule's
 * time zone.
 *
 * Deliberate differences from Scheduler: a rate schedule first fires one period after the start (not
 * at creation); a fire that finds the previous invocation of the same schedule still running is
 * skipped (at high speed-ups a daily job could otherwise pile up on a laptop); a failed invocation is
 * retried at most twice, immediately, then goes to the schedule's dead-letter queue in the local
 * queue store (the input as the body; Scheduler's ERROR_CODE, ERROR_MESSAGE, EXECUTION_ID,
 * SCHEDULE_ARN and TARGET_ARN attributes), which `feltfit dlq` lists and redrives; a schedule without
 * one drops the fire, as Scheduler does. Fires missed while the machine slept collapse into one.
 */
import { randomUUID } from 'node:crypto';
import { zonedParts, zonedTimeToUtc } from '../../shared/domain/channels/quiet-hours.js';
import { type LocalQueueStore, queueNameOfArn } from './async-invoke.js';
import type { TargetInvoker } from './event-bus.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver, UnsupportedTemplateError } from './template.js';

const MINUTE_MS = 60_000;

/** A schedule expression this module cannot run (it names the part). */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

/** The six fields of an EventBridge cron expression, as the sets of values they allow. */
export interface CronSchedule {
  readonly kind: 'cron';
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Days of the month 1–31, or `'last'` (L); undefined when the field is `?`. */
  readonly daysOfMonth?: readonly number[] | 'last';
  readonly months: ReadonlySet<number>;
  /** Days of the week, 0 = Sunday … 6 = Saturday; undefined when the field is `?`. */
  readonly daysOfWeek?: ReadonlySet<number>;
  readonly years: ReadonlySet<number>;
}

export type ParsedSchedule =
  | CronSchedule
  | { readonly kind: 'rate'; readonly periodMs: number }
  | {
      readonly kind: 'at';
      readonly local: { year: number; month: number; day: number; hour: number; minute: number };
    };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for 1-based values (JAN = 1, SUN = 1), as EventBridge numbers months and weekdays. */
  readonly names?: readonly string[];
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  daysOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  months: { name: 'month', min: 1, max: 12, names: MONTHS },
  daysOfWeek: { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  years: { name: 'year', min: 1970, max: 2199 },
} satisfies Record<string, FieldSpec>;

function fieldValue(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= spec.min && value <= spec.max))
    throw new ScheduleExpressionError(`${spec.name}: '${text}' is not in ${spec.min}-${spec.max}`);
  return value;
}

/** One cron field: `*`, `5`, `MON`, `1-5`, `MON-FRI`, `*\/15`, `10-50/10`, and lists of these. */
function parseField(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || range === '' || extra !== undefined)
      throw new ScheduleExpressionError(`${spec.name}: '${part}' is not a value, range or step`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`${spec.name}: step '${stepText}' must be a positive integer`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [fieldValue(a, spec), fieldValue(b, spec)];
      if (from > to) throw new ScheduleExpressionError(`${spec.name}: range '${range}' runs backwards`);
    } else {
      from = fieldValue(range, spec);
      // `5/10` means from 5 to the end in steps of 10, as in Quartz.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Parses `cron(m h dom mon dow y)`, `rate(N unit)` or `at(yyyy-mm-ddThh:mm:ss)`. */
export function parseScheduleExpression(expression: string): ParsedSchedule {
  const m = /^\s*(cron|rate|at)\((.*)\)\s*$/.exec(expression);
  if (!m) throw new ScheduleExpressionError(`'${expression}' is not cron(…), rate(…) or at(…)`);
  const [, kind, body] = m as unknown as [string, 'cron' | 'rate' | 'at', string];
  if (kind === 'rate') {
    const r = /^\s*(\d+)\s+(minutes?|hours?|days?)\s*$/.exec(body);
    if (!r || Number(r[1]) < 1)
      throw new ScheduleExpressionError(`rate(${body}): expected 'N minutes|hours|days'`);
    const unit = r[2]!.replace(/s$/, '');
    const unitMs = unit === 'minute' ? MINUTE_MS : unit === 'hour' ? 60 * MINUTE_MS : 1_440 * MINUTE_MS;
    return { kind: 'rate', periodMs: Number(r[1]) * unitMs };
  }
  if (kind === 'at') {
    const a = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
    if (!a) throw new ScheduleExpressionError(`at(${body}): expected yyyy-mm-ddThh:mm:ss`);
    const [year, month, day, hour, minute] = a.slice(1, 6).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    return { kind: 'at', local: { year, month, day, hour, minute } };
  }
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new ScheduleExpressionError(
      `cron(${body}): expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?'))
    throw new ScheduleExpressionError(
      `cron(${body}): exactly one of day-of-month and day-of-week must be '?'`,
    );
  for (const [field, text] of [
    ['day-of-month', dom],
    ['day-of-week', dow],
  ] as const) {
    if (/[W#]/.test(text) || (field === 'day-of-week' && text.includes('L')))
      throw new ScheduleExpressionError(`${field}: '${text}' (W, # and weekday L) is not supported locally`);
  }
  return {
    kind: 'cron',
    minutes: parseField(min, FIELDS.minutes),
    hours: parseField(hour, FIELDS.hours),
    ...(dom === '?' ? {} : { daysOfMonth: dom === 'L' ? 'last' : parseField(dom, FIELDS.daysOfMonth) }),
    months: new Set(parseField(month, FIELDS.months)),
    ...(dow === '?' ? {} : { daysOfWeek: new Set(parseField(dow, FIELDS.daysOfWeek).map((d) => d - 1)) }),
    years: new Set(parseField(year, FIELDS.years)),
  };
}

const isUtc = (zone: string) => zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT' || zone === 'Etc/GMT';

function localToInstant(
  local: { year: number; month: number; day: number; hour: number; minute: number },
  zone: string,
): number {
  return isUtc(zone)
    ? Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute)
    : zonedTimeToUtc(local, zone).getTime();
}

/**
 * The first fire time strictly after `after` (epoch ms), in the schedule's time zone; undefined when
 * the schedule never fires again. A rate schedule's fires are `origin + k · period`.
 */
export function nextFireTime(
  schedule: ParsedSchedule,
  after: number,
  options: { timeZone?: string; origin?: number } = {},
): number | undefined {
  const zone = options.timeZone ?? 'UTC';
  if (schedule.kind === 'rate') {
    const origin = options.origin ?? after;
    const k = Math.floor((after - origin) / schedule.periodMs) + 1;
    return origin + Math.max(1, k) * schedule.periodMs;
  }
  if (schedule.kind === 'at') {
    const at = localToInstant(schedule.local, zone);
    return at > after ? at : undefined;
  }
  const start = isUtc(zone) ? new Date(after) : undefined;
  const p = start
    ? { year: start.getUTCFullYear(), month: start.getUTCMonth() + 1, day: start.getUTCDate() }
    : zonedParts(new Date(after), zone);
  const lastYear = Math.max(...schedule.years);
  // Day by day through the local calendar; within a matching day, the first allowed time after `after`.
  for (let offset = 0; ; offset++) {
    const date = new Date(Date.UTC(p.year, p.month - 1, p.day + offset));
    const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (year > lastYear) return undefined;
    if (!schedule.years.has(year) || !schedule.months.has(month)) continue;
    if (schedule.daysOfWeek && !schedule.daysOfWeek.has(date.getUTCDay())) continue;
    if (schedule.daysOfMonth) {
      const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
      if (schedule.daysOfMonth === 'last' ? day !== lastDay : !schedule.daysOfMonth.includes(day)) continue;
    }
    for (const hour of schedule.hours) {
      for (const minute of schedule.minutes) {
        const at = localToInstant({ year, month, day, hour, minute }, zone);
        if (at > after) return at;
      }
    }
  }
}

/** A clock and timers, injectable so tests need not sleep. */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What `list()` says about one schedule. */
export interface ScheduleInfo {
  /** The schedule's Name, else its logical id. */
  readonly name: string;
  readonly expression: string;
  readonly timeZone: string;
  /** The next fire time on the virtual clock (ISO), or undefined when it will not fire again. */
  readonly nextRun?: string;
  /** Real milliseconds until then. */
  readonly nextRunInMs?: number;
  /** Fires so far, and fires skipped because the previous one was still running. */
  readonly fired: number;
  readonly skipped: number;
}

interface LocalSchedule {
  readonly id: string;
  readonly name: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly parsed: ParsedSchedule;
  readonly retries: number;
  /** Queue name of the target's DeadLetterConfig, when it has one. */
  readonly deadLetterQueue?: string;
  arn: string;
  input?: string;
  next?: number;
  timer?: unknown;
  running?: Promise<void>;
  fired: number;
  skipped: number;
}

/** Longest single timer: longer waits are re-armed (setTimeout overflows past 24.8 days). */
const MAX_TIMER_MS = 3_600_000;

/** The template's schedules on a virtual clock. */
export class LocalSchedules {
  private readonly schedules: LocalSchedule[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private startReal?: number;
  private stopped = false;
  /** Counts for tests: fires that failed for good, sent to a dead-letter queue or dropped. */
  readonly stats = { deadLettered: 0, discarded: 0 };

  constructor(
    private readonly resolver: Resolver,
    private readonly invoke: TargetInvoker,
    /** Where the targets' dead-letter queues keep their messages. */
    private readonly queues: LocalQueueStore,
    /** Factor waits are multiplied by (1/3600: an hour a second), as the runtime's option. */
    private readonly timeScale = 1,
    private readonly clock: SchedulerClock = realClock,
  ) {
    if (!(timeScale > 0)) throw new Error('timeScale must be positive');
    for (const [id, res] of resolver.ofType('AWS::Scheduler::Schedule')) {
      const p = res.Properties ?? {};
      const name = String(p.Name ? resolver.resolve(p.Name) : id);
      resolver.bind(id, {
        ref: name,
        attrs: { Arn: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/default/${name}` },
      });
      if (p.State === 'DISABLED') continue;
      const expression = String(resolver.resolve(p.ScheduleExpression));
      let parsed: ParsedSchedule;
      try {
        parsed = parseScheduleExpression(expression);
      } catch (err) {
        throw new UnsupportedTemplateError(`schedule ${id}: ${(err as Error).message}`);
      }
      const target = (p.Target ?? {}) as {
        RetryPolicy?: { MaximumRetryAttempts?: number };
        DeadLetterConfig?: { Arn?: unknown };
      };
      const dlq = target.DeadLetterConfig?.Arn;
      const deadLetterQueue = dlq ? queueNameOfArn(String(resolver.resolve(dlq))) : undefined;
      this.schedules.push({
        id,
        name,
        expression,
        timeZone: String(p.ScheduleExpressionTimezone ?? 'UTC'),
        parsed,
        retries: Math.min(2, Number(target.RetryPolicy?.MaximumRetryAttempts ?? 2)),
        ...(deadLetterQueue ? { deadLetterQueue } : {}),
        arn: '',
        fired: 0,
        skipped: 0,
      });
    }
  }

  /** Resolves each schedule's target; call once every resource has its local binding. */
  bindTargets(): void {
    for (const s of this.schedules) {
      const t = (this.resolver.template.Resources[s.id]?.Properties?.Target ?? {}) as Record<string, unknown>;
      s.arn = String(this.resolver.resolve(t.Arn));
      if (t.Input !== undefined) s.input = String(this.resolver.resolve(t.Input));
    }
  }

  /** The virtual clock: start + real elapsed / timeScale. */
  virtualNow(): number {
    const real = this.clock.now();
    const start = this.startReal ?? real;
    return start + (real - start) / this.timeScale;
  }

  /** Arms every schedule from now. */
  start(): void {
    this.startReal = this.clock.now();
    this.stopped = false;
    for (const s of this.schedules) {
      s.next = nextFireTime(s.parsed, this.startReal, { timeZone: s.timeZone, origin: this.startReal });
      this.arm(s);
    }
  }

  private arm(s: LocalSchedule): void {
    if (this.stopped || s.next === undefined) return;
    const realMs = Math.max(0, (s.next - this.virtualNow()) * this.timeScale);
    s.timer = this.clock.setTimeout(() => this.tick(s), Math.min(MAX_TIMER_MS, Math.ceil(realMs)));
  }

  private tick(s: LocalSchedule): void {
    s.timer = undefined;
    if (this.stopped || s.next === undefined) return;
    const now = this.virtualNow();
    if (now >= s.next) {
      this.fire(s, s.next);
      // Missed fires (a sleeping laptop) collapse into this one.
      s.next = nextFireTime(s.parsed, Math.max(now, s.next), {
        timeZone: s.timeZone,
        origin: this.startReal!,
      });
    }
    this.arm(s);
  }

  private fire(s: LocalSchedule, scheduledTime: number): void {
    if (s.running) {
      s.skipped++;
      return;
    }
    s.fired++;
    const executionId = randomUUID();
    const run = this.deliver(
      s,
      new Date(scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      executionId,
    ).finally(() => {
      this.inflight.delete(run);
      s.running = undefined;
    });
    s.running = run;
    this.inflight.add(run);
  }

  private async deliver(s: LocalSchedule, scheduledTime: string, executionId: string): Promise<void> {
    let lastError: unknown;
    // Scheduler's context attributes, substituted in the input as it does.
    const inputOf = (attempt: number) =>
      (s.input ?? '{}')
        .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime)
        .replaceAll('<aws.scheduler.execution-id>', executionId)
        .replaceAll('<aws.scheduler.attempt-number>', String(attempt))
        .replaceAll('<aws.scheduler.schedule-arn>', this.resolver.getAtt(s.id, 'Arn'));
    for (let attempt = 1; attempt <= s.retries + 1; attempt++) {
      try {
        const run = this.invoke(s.arn, JSON.parse(inputOf(attempt)));
        if (!run) throw new Error(`no local target for ${s.arn}`);
        await run;
        return;
      } catch (err) {
        lastError = err;
      }
    }
    if (!s.deadLetterQueue) {
      this.stats.discarded++;
      console.error(`local scheduler: ${s.name} failed after retries; dropped (no dead-letter queue)`);
      return;
    }
    // What Scheduler sends a target's DLQ: the input it could not deliver, why in the attributes.
    await this.queues.send(s.deadLetterQueue, inputOf(s.retries + 1), {
      ERROR_CODE: 'INVOCATION_FAILED',
      ERROR_MESSAGE: lastError instanceof Error ? lastError.message : String(lastError),
      EXECUTION_ID: executionId,
      SCHEDULE_ARN: this.resolver.getAtt(s.id, 'Arn'),
      SCHEDULED_TIME: scheduledTime,
      TARGET_ARN: s.arn,
      RETRY_ATTEMPTS: String(s.retries),
    });
    this.stats.deadLettered++;
    console.error(`local scheduler: ${s.name} failed after retries; input in queue ${s.deadLetterQueue}`);
  }

  /** Every enabled schedule and when it fires next. */
  list(): ScheduleInfo[] {
    const now = this.virtualNow();
    return this.schedules.map((s) => ({
      name: s.name,
      expression: s.expression,
      timeZone: s.timeZone,
      ...(s.next !== undefined
        ? {
            nextRun: new Date(s.next).toISOString(),
            nextRunInMs: Math.max(0, Math.round((s.next - now) * this.timeScale)),
          }
        : {}),
      fired: s.fired,
      skipped: s.skipped,
    }));
  }

  /** Resolves when every invocation started so far has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Stops firing; invocations already started keep running (await `idle()` for them). */
  stop(): void {
    this.stopped = true;
    for (const s of this.schedules) {
      if (s.timer !== undefined) this.clock.clearTimeout(s.timer);
      s.timer = undefined;
    }
  }
}
