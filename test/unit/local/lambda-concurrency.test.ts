import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_DEFAULT_CONCURRENCY, LocalFunction } from '../../../infra/local/lambda.js';

const started: LocalFunction[] = [];
afterEach(async () => {
  for (const fn of started.splice(0)) await fn.stop();
});

/** A handler that waits `ms` (I/O-like), counting how many run at once in a module-level variable. */
async function sleeper(timeoutMs: number, options: { concurrency?: number; maxQueued?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'feltfit-fn-'));
  const file = join(dir, 'sleep.mjs');
  writeFileSync(
    file,
    `let now = 0, peak = 0;
export const handler = async (e) => {
  now++; peak = Math.max(peak, now);
  await new Promise((r) => setTimeout(r, e.ms));
  now--;
  return { peak, n: e.n };
};\n`,
  );
  const fn = new LocalFunction('Sleep', file, 'handler', {}, timeoutMs, 128, options);
  await fn.start();
  started.push(fn);
  return fn;
}

describe('LocalFunction concurrency, as reserved concurrency in Lambda', () => {
  it('runs at most its reserved concurrency at once and queues the rest instead of failing them', async () => {
    const fn = await sleeper(10_000, { concurrency: 2 });
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, n) => fn.invoke<{ peak: number; n: number }>({ ms: 30, n })),
    );
    expect(results.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Math.max(...results.map((r) => r.peak))).toBe(2);
    expect(fn.peakRunning).toBe(2);
    expect(fn.load).toEqual({ running: 0, queued: 0 });
  });

  it('defaults to the local concurrency when the template sets none', async () => {
    const fn = await sleeper(10_000);
    expect(fn.concurrency).toBe(LOCAL_DEFAULT_CONCURRENCY);
    await Promise.all(Array.from({ length: 10 }, (_, n) => fn.invoke({ ms: 20, n })));
    expect(fn.peakRunning).toBe(LOCAL_DEFAULT_CONCURRENCY);
  });

  it('counts the timeout from the handler’s start, not from when the invocation was queued', async () => {
    // One slot, a 400 ms timeout and invocations of 250 ms each: the fourth waits 750 ms in the queue,
    // far past the timeout, yet each runs well inside its own 400 ms.
    const fn = await sleeper(400, { concurrency: 1 });
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, n) => fn.invoke({ ms: 250, n })));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('still times out a handler that runs longer than its timeout, and frees its slot', async () => {
    const fn = await sleeper(100, { concurrency: 1 });
    await expect(fn.invoke({ ms: 2_000, n: 0 })).rejects.toMatchObject({ errorType: 'Sandbox.Timedout' });
    await expect(fn.invoke({ ms: 1, n: 1 })).resolves.toMatchObject({ n: 1 });
  });

  it('refuses invocations beyond its queue bound with TooManyRequestsException', async () => {
    const fn = await sleeper(10_000, { concurrency: 1, maxQueued: 2 });
    const ok = [fn.invoke({ ms: 50, n: 0 }), fn.invoke({ ms: 1, n: 1 }), fn.invoke({ ms: 1, n: 2 })];
    // The first runs, two wait: the queue is full.
    await expect(fn.invoke({ ms: 1, n: 3 })).rejects.toMatchObject({ errorType: 'TooManyRequestsException' });
    await expect(Promise.all(ok)).resolves.toHaveLength(3);
  });

  it('fails waiting invocations when the function stops', async () => {
    const fn = await sleeper(10_000, { concurrency: 1 });
    const running = fn.invoke({ ms: 5_000, n: 0 }).catch((e: Error) => e.message);
    const waiting = fn.invoke({ ms: 1, n: 1 }).catch((e: Error) => e.message);
    await fn.stop();
    expect(await running).toBe('function Sleep stopped during the invocation');
    expect(await waiting).toBe('function Sleep stopped during the invocation');
  });
});
