import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../../infra/local/invocation-log.js';
import { LocalFunction } from '../../../infra/local/lambda.js';

describe('LocalFunction', () => {
  it('fails an invocation still running when the function stops, instead of holding the stop until its timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-fn-'));
    const file = join(dir, 'never.mjs');
    // A handler that never answers, with Lambda's longest timeout (15 minutes).
    writeFileSync(file, 'export const handler = () => new Promise(() => {});\n');
    const fn = new LocalFunction('Never', file, 'handler', {}, 900_000, 128);
    await fn.start();
    const running = fn.invoke({}).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await fn.stop();
    expect(await running).toBe('function Never stopped during the invocation');
    await expect(fn.invoke({})).rejects.toThrow('function Never is not started');
  });

  it('tells the observer of each invocation and echoes the error lines its log file gets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-fn-'));
    const file = join(dir, 'logs.mjs');
    writeFileSync(
      file,
      [
        'export const handler = async (event) => {',
        '  console.log(JSON.stringify({ level: "INFO", message: "started" }));',
        '  if (event.fail) {',
        '    console.error(JSON.stringify({ level: "ERROR", message: "request failed", errorName: "Boom" }));',
        '    throw Object.assign(new Error("it broke"), { name: "BoomError" });',
        '  }',
        '  return { statusCode: 201 };',
        '};',
      ].join('\n'),
    );
    const logFile = join(dir, 'fn.log');
    const echoed: string[] = [];
    const seen: InvocationRecord[] = [];
    const fn = new LocalFunction('Logs', file, 'handler', {}, 5_000, 128);
    fn.onInvocation = (inv) => seen.push(inv);
    await fn.start(logFile, (line) => echoed.push(line));
    await fn.invoke({ fail: false });
    await expect(fn.invoke({ fail: true })).rejects.toThrow('Logs: BoomError: it broke');
    // The worker's output arrives apart from its answer: wait for it (at most 5 s) before stopping.
    for (
      let i = 0;
      i < 100 && !(echoed.length && readFileSync(logFile, 'utf8').includes('request failed'));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    await fn.stop();

    expect(seen.map((s) => [s.function, s.result, s.error?.message])).toEqual([
      ['Logs', { statusCode: 201 }, undefined],
      ['Logs', undefined, 'Logs: BoomError: it broke'],
    ]);
    expect(echoed).toEqual(['{"level":"ERROR","message":"request failed","errorName":"Boom"}']);
    expect(readFileSync(logFile, 'utf8')).toContain('"message":"started"');
  });

  it('loads a handler at its first invocation when started on-first-invocation, once for concurrent calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-fn-'));
    const file = join(dir, 'cold.mjs');
    const inits = join(dir, 'inits');
    // Module scope runs at init: it appends a line per load, and the handler answers the count.
    writeFileSync(
      file,
      [
        "import { appendFileSync, readFileSync } from 'node:fs';",
        `appendFileSync(${JSON.stringify(inits)}, 'init\\n');`,
        `export const handler = async () => readFileSync(${JSON.stringify(inits)}, 'utf8').split('\\n').filter(Boolean).length;`,
      ].join('\n'),
    );
    const fn = new LocalFunction('Cold', file, 'handler', {}, 5_000, 128);
    await fn.start(undefined, undefined, 'on-first-invocation');
    expect(existsSync(inits)).toBe(false);
    expect(await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})])).toEqual([1, 1, 1]);
    expect(await fn.invoke({})).toBe(1);
    await fn.stop();
    await expect(fn.invoke({})).rejects.toThrow('function Cold is not started');
  });

  it('fails the waiting invocations with Runtime.InitError when a handler loaded on first invocation cannot load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-fn-'));
    const file = join(dir, 'broken.mjs');
    writeFileSync(file, 'throw new Error("no config");\nexport const handler = async () => 1;\n');
    const fn = new LocalFunction('Broken', file, 'handler', {}, 5_000, 128);
    await fn.start(undefined, undefined, 'on-first-invocation');
    expect(fn.initError).toBeUndefined();
    const calls = [fn.invoke({}), fn.invoke({})].map((p) => p.catch((err: Error) => err.message));
    expect(await Promise.all(calls)).toEqual([
      'Broken: Runtime.InitError: no config',
      'Broken: Runtime.InitError: no config',
    ]);
    await expect(fn.invoke({})).rejects.toThrow('Broken: Runtime.InitError: no config');
    await fn.stop();
  });
});
