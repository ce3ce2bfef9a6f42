import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LocalQueueStore } from '../../../infra/local/async-invoke.js';
import {
  LocalSchedules,
  nextFireTime,
  ParsedSchedule,
  parseScheduleExpression,
  ScheduleExpressionError,
  type SchedulerClock,
} from '../../../infra/local/schedules.js';
import { bindPassiveResources, Resolver, UnsupportedTemplateError } from '../../../infra/local/template.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (expression: string, after: string, timeZone?: string) =>
  iso(nextFireTime(parseScheduleExpression(expression), at(after), timeZone ? { timeZone } : {}));

describe('cron expressions, read as EventBridge Scheduler reads them', () => {
  it('fire the weekly training on the next Sunday at 03:00 UTC', () => {
    // 2026-01-07 is a Wednesday.
    expect(next('cron(0 3 ? * SUN *)', '2026-01-07T12:00:00Z')).toBe('2026-01-11T03:00:00.000Z');
    expect(next('cron(0 3 ? * 1 *)', '2026-01-07T12:00:00Z')).toBe('2026-01-11T03:00:00.000Z');
  });

  it('fire strictly after the given instant, so a fire at 02:00 is followed by the next day’s', () => {
    expect(next('cron(0 2 * * ? *)', '2026-01-07T02:00:00Z')).toBe('2026-01-08T02:00:00.000Z');
    expect(next('cron(0 2 * * ? *)', '2026-01-07T01:59:59Z')).toBe('2026-01-07T02:00:00.000Z');
  });

  it('take ranges, steps and weekday names: every quarter hour of office hours skips the weekend', () => {
    const expr = 'cron(*/15 9-17 ? * MON-FRI *)';
    expect(next(expr, '2026-01-09T17:50:00Z')).toBe('2026-01-12T09:00:00.000Z'); // Friday → Monday
    expect(next(expr, '2026-01-12T09:00:00Z')).toBe('2026-01-12T09:15:00.000Z');
  });

  it('take lists, month names and a start/step from a value', () => {
    expect(next('cron(0,30 8,20 1,15 JAN,JUL ? *)', '2026-01-15T20:31:00Z')).toBe('2026-07-01T08:00:00.000Z');
    const fives = parseScheduleExpression('cron(5/20 * * * ? *)') as Extract<
      ParsedSchedule,
      { kind: 'cron' }
    >;
    expect(fives.minutes).toEqual([5, 25, 45]);
  });

  it('take L as the last day of the month, and end when the year field runs out', () => {
    expect(next('cron(0 12 L FEB ? 2028)', '2028-01-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('cron(0 12 L FEB ? 2028)', '2028-03-01T00:00:00Z')).toBeUndefined();
  });

  it('are evaluated in the schedule’s time zone, daylight saving included', () => {
    expect(next('cron(0 9 * * ? *)', '2026-07-01T00:00:00Z', 'America/New_York')).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    expect(next('cron(0 9 * * ? *)', '2026-01-01T00:00:00Z', 'America/New_York')).toBe(
      '2026-01-01T14:00:00.000Z',
    );
  });

  it('are refused, naming the part, when they are not six fields with exactly one ?', () => {
    for (const bad of [
      'cron(0 3 * * *)',
      'cron(0 3 * * MON *)',
      'cron(0 3 ? * ? *)',
      'cron(60 3 * * ? *)',
      'cron(0 3 ? * MON#2 *)',
      'cron(0 3 ? * FRI-MON *)',
      'every day',
    ]) {
      expect(() => parseScheduleExpression(bad), bad).toThrow(ScheduleExpressionError);
    }
    expect(() => parseScheduleExpression('cron(60 3 * * ? *)')).toThrow(/minutes: '60' is not in 0-59/);
  });
});

describe('rate and at expressions', () => {
  it('fire a rate every period from its origin', () => {
    const rate = parseScheduleExpression('rate(5 minutes)');
    const origin = at('2026-01-07T10:00:00Z');
    expect(iso(nextFireTime(rate, origin, { origin }))).toBe('2026-01-07T10:05:00.000Z');
    expect(iso(nextFireTime(rate, at('2026-01-07T10:12:00Z'), { origin }))).toBe('2026-01-07T10:15:00.000Z');
    expect(parseScheduleExpression('rate(1 day)')).toEqual({ kind: 'rate', periodMs: 86_400_000 });
    expect(() => parseScheduleExpression('rate(0 hours)')).toThrow(ScheduleExpressionError);
  });

  it('fire an at() schedule once', () => {
    const once = parseScheduleExpression('at(2026-03-01T09:30:00)');
    expect(iso(nextFireTime(once, at('2026-01-01T00:00:00Z')))).toBe('2026-03-01T09:30:00.000Z');
    expect(nextFireTime(once, at('2026-03-01T09:30:00Z'))).toBeUndefined();
  });
});

/** A clock whose timers run only when the test advances it. */
function fakeClock(startIso: string): SchedulerClock & { advance(ms: number): Promise<void> } {
  let now = at(startIso);
  let seq = 0;
  const timers = new Map<number, { due: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { due: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, t]) => t.due <= end)
          .sort((a, b) => a[1].due - b[1].due)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].due);
        due[1].fn();
        await new Promise((r) => setImmediate(r)); // let the invocation's promise settle
      }
      now = end;
    },
  };
}

const TRAINER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Trainer';

function templateWith(
  schedules: Record<string, { expression: string; input?: string; state?: string; dlq?: boolean }>,
) {
  const resolver = new Resolver({
    Resources: {
      Trainer: { Type: 'AWS::Lambda::Function' },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'feltfit-failed-intelligence-rules' } },
      ...Object.fromEntries(
        Object.entries(schedules).map(([id, s]) => [
          id,
          {
            Type: 'AWS::Scheduler::Schedule',
            Properties: {
              ScheduleExpression: s.expression,
              ScheduleExpressionTimezone: 'Etc/UTC',
              State: s.state ?? 'ENABLED',
              Target: {
                Arn: { 'Fn::GetAtt': ['Trainer', 'Arn'] },
                ...(s.input ? { Input: s.input } : {}),
                RetryPolicy: { MaximumRetryAttempts: 2 },
                ...(s.dlq ? { DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } } : {}),
              },
            },
          },
        ]),
      ),
    },
  });
  resolver.bind('Trainer', { ref: 'Trainer', attrs: { Arn: TRAINER_ARN } });
  bindPassiveResources(resolver);
  return resolver;
}

describe('the local scheduler', () => {
  it('runs a nightly schedule every 24 real seconds at an hour a second, with the schedule’s input', async () => {
    const clock = fakeClock('2026-01-07T01:59:00Z');
    const calls: { arn: string; payload: unknown; at: number }[] = [];
    const schedules = new LocalSchedules(
      templateWith({ Nightly: { expression: 'cron(0 2 * * ? *)', input: '{"mode":"batch"}' } }),
      (arn, payload) => {
        calls.push({ arn, payload, at: clock.now() });
        return Promise.resolve();
      },
      new LocalQueueStore(mkdtempSync(join(tmpdir(), 'feltfit-dl-'))),
      1 / 3600,
      clock,
    );
    schedules.bindTargets();
    schedules.start();
    // A virtual minute to 02:00 is 1/60 of a real second.
    expect(schedules.list()).toEqual([
      expect.objectContaining({
        name: 'Nightly',
        expression: 'cron(0 2 * * ? *)',
        nextRun: '2026-01-07T02:00:00.000Z',
        nextRunInMs: 17,
      }),
    ]);
    await clock.advance(16);
    expect(calls).toHaveLength(0);
    await clock.advance(2);
    expect(calls).toEqual([
      { arn: TRAINER_ARN, payload: { mode: 'batch' }, at: at('2026-01-07T01:59:00.017Z') },
    ]);
    expect(schedules.list()[0]!.nextRun).toBe('2026-01-08T02:00:00.000Z');
    await clock.advance(24_000);
    expect(calls).toHaveLength(2);
    await clock.advance(3 * 24_000);
    expect(calls).toHaveLength(5);
    schedules.stop();
    await clock.advance(48_000);
    expect(calls).toHaveLength(5);
  });

  it('at real time runs the nightly schedule once a day', async () => {
    const clock = fakeClock('2026-01-07T03:00:00Z');
    let calls = 0;
    const schedules = new LocalSchedules(
      templateWith({ Nightly: { expression: 'cron(0 2 * * ? *)' } }),
      () => {
        calls++;
        return Promise.resolve();
      },
      new LocalQueueStore(mkdtempSync(join(tmpdir(), 'feltfit-dl-'))),
      1,
      clock,
    );
    schedules.bindTargets();
    schedules.start();
    await clock.advance(22 * 3_600_000);
    expect(calls).toBe(0);
    await clock.advance(3_600_000);
    expect(calls).toBe(1);
    await clock.advance(2 * 86_400_000);
    expect(calls).toBe(3);
    schedules.stop();
  });

  it('skips disabled schedules and refuses an expression it cannot run', () => {
    const dir = new LocalQueueStore(mkdtempSync(join(tmpdir(), 'feltfit-dl-')));
    const off = new LocalSchedules(
      templateWith({ Off: { expression: 'cron(0 2 * * ? *)', state: 'DISABLED' } }),
      () => Promise.resolve(),
      dir,
    );
    expect(off.list()).toEqual([]);
    expect(
      () =>
        new LocalSchedules(templateWith({ Bad: { expression: 'cron(0 2 * * *)' } }), () => undefined, dir),
    ).toThrow(UnsupportedTemplateError);
  });

  it('retries a failing target twice, then puts its input in the target’s dead-letter queue', async () => {
    const clock = fakeClock('2026-01-07T01:59:59Z');
    const queues = new LocalQueueStore(mkdtempSync(join(tmpdir(), 'feltfit-dl-')));
    let attempts = 0;
    const schedules = new LocalSchedules(
      templateWith({
        Nightly: {
          expression: 'cron(0 2 * * ? *)',
          input: '{"at":"<aws.scheduler.scheduled-time>"}',
          dlq: true,
        },
      }),
      () => {
        attempts++;
        return Promise.reject(new Error('trainer crashed'));
      },
      queues,
      1 / 3600,
      clock,
    );
    schedules.bindTargets();
    schedules.start();
    await clock.advance(5);
    await schedules.idle();
    expect(attempts).toBe(3);
    const [message, ...more] = await queues.messages('feltfit-failed-intelligence-rules');
    expect(more).toEqual([]);
    expect(JSON.parse(message!.body)).toEqual({ at: '2026-01-07T02:00:00Z' });
    expect(message!.attributes).toMatchObject({
      ERROR_CODE: 'INVOCATION_FAILED',
      ERROR_MESSAGE: 'trainer crashed',
      SCHEDULE_ARN: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/Nightly',
      TARGET_ARN: TRAINER_ARN,
      SCHEDULED_TIME: '2026-01-07T02:00:00Z',
    });
    expect(schedules.stats).toEqual({ deadLettered: 1, discarded: 0 });
    schedules.stop();
  });

  it('drops a fire that keeps failing when its target has no dead-letter queue, as Scheduler does', async () => {
    const clock = fakeClock('2026-01-07T01:59:59Z');
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-dl-'));
    const schedules = new LocalSchedules(
      templateWith({ Nightly: { expression: 'cron(0 2 * * ? *)' } }),
      () => Promise.reject(new Error('trainer crashed')),
      new LocalQueueStore(dir),
      1 / 3600,
      clock,
    );
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      schedules.bindTargets();
      schedules.start();
      await clock.advance(5);
      await schedules.idle();
      expect(error.mock.calls.flat().join('\n')).toMatch(/Nightly failed after retries; dropped/);
    } finally {
      error.mockRestore();
    }
    expect(schedules.stats).toEqual({ deadLettered: 0, discarded: 1 });
    expect(await new LocalQueueStore(dir).queues()).toEqual([]);
    schedules.stop();
  });

  it('skips a fire while the previous invocation of the same schedule still runs', async () => {
    const clock = fakeClock('2026-01-07T01:59:59Z');
    let release!: () => void;
    let calls = 0;
    const schedules = new LocalSchedules(
      templateWith({ Nightly: { expression: 'cron(0 2 * * ? *)' } }),
      () => {
        calls++;
        return new Promise<void>((r) => {
          release = r;
        });
      },
      new LocalQueueStore(mkdtempSync(join(tmpdir(), 'feltfit-dl-'))),
      1 / 3600,
      clock,
    );
    schedules.bindTargets();
    schedules.start();
    await clock.advance(5);
    await clock.advance(24_000);
    expect(calls).toBe(1);
    expect(schedules.list()[0]).toMatchObject({ fired: 1, skipped: 1 });
    release();
    await schedules.idle();
    await clock.advance(24_000);
    expect(calls).toBe(2);
    schedules.stop();
  });
});
