/** What Powertools prints, captured in a unit test (it writes to process.stdout and stderr itself). */
import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Registers hooks that collect, for each test, the JSON lines written to stdout and stderr under the
 * given environment (POWERTOOLS_DEV off, so Powertools writes to the streams and not to console).
 */
export function capturePowertoolsOutput(env: Record<string, string>): {
  readonly lines: Record<string, unknown>[];
} {
  const captured = { lines: [] as Record<string, unknown>[] };
  beforeEach(() => {
    captured.lines = [];
    vi.stubEnv('POWERTOOLS_DEV', '');
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        for (const line of String(chunk).split('\n').filter(Boolean)) captured.lines.push(JSON.parse(line));
        return true;
      });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  return captured;
}
