import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
