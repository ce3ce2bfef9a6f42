/**
 * Fault injection for the local runtime: PutEvents failures on the local bus and function crashes
 * after the handler ran, drawn from seeded generators so a test run is reproducible.
 */
import { z } from 'zod';
import { seededRandom } from '../../shared/domain/experiments/bandit.js';

export { seededRandom };

/** What to break, and how often (each rate is a share, 0–1). */
export const Faults = z
  .object({
    /** Share of PutEvents entries answered as failed (`InternalFailure`); a tenth of that share of calls fail whole with a 500. */
    putEventsFailureRate: z.number().min(0).max(1).optional(),
    /** Per function (its folder name under functions/): share of invocations that fail after the handler ran. */
    crashRate: z.record(z.string().min(1), z.number().min(0).max(1)).optional(),
    /** Seed of the generators (default 1). */
    seed: z.number().int().optional(),
  })
  .strict();
export type Faults = z.infer<typeof Faults>;

/** Raised when FELTFIT_FAULTS is not valid; names the variable. */
export class FaultsConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FaultsConfigError';
  }
}

/** Parses FELTFIT_FAULTS (JSON); undefined when unset or empty. */
export function parseFaults(json: string | undefined): Faults | undefined {
  if (!json?.trim()) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new FaultsConfigError('FELTFIT_FAULTS must be JSON, e.g. {"putEventsFailureRate":0.2}', { cause });
  }
  const parsed = Faults.safeParse(raw);
  if (!parsed.success)
    throw new FaultsConfigError(
      `FELTFIT_FAULTS: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** FNV-1a, so each fault stream (the bus, each function) gets its own seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Share of the PutEvents failure rate that fails a whole call (500) instead of single entries. */
export const WHOLE_CALL_SHARE = 0.1;

/** What the local bus does with one PutEvents call. */
export type PutEventsFault = { kind: 'call' } | { kind: 'entries'; failed: boolean[] };

/**
 * Draws the faults. Each stream has its own generator, so the crashes of one function do not shift
 * when another function is invoked more or less often.
 */
export class FaultInjector {
  private readonly busRandom: () => number;
  private readonly crashRandoms = new Map<string, () => number>();

  constructor(readonly faults: Faults = {}) {
    const seed = faults.seed ?? 1;
    this.busRandom = seededRandom(seed ^ hash('PutEvents'));
    for (const name of Object.keys(faults.crashRate ?? {}))
      this.crashRandoms.set(name, seededRandom(seed ^ hash(`crash:${name}`)));
  }

  /** The functions with a crash rate (names as under functions/). */
  get crashingFunctions(): string[] {
    return [...this.crashRandoms.keys()];
  }

  /** Whether one PutEvents call fails whole, or which of its entries fail. */
  putEvents(entryCount: number): PutEventsFault {
    const rate = this.faults.putEventsFailureRate ?? 0;
    if (rate === 0) return { kind: 'entries', failed: new Array(entryCount).fill(false) };
    if (this.busRandom() < rate * WHOLE_CALL_SHARE) return { kind: 'call' };
    return { kind: 'entries', failed: Array.from({ length: entryCount }, () => this.busRandom() < rate) };
  }

  /** A draw per invocation of this function: true means the invocation fails after its handler ran. */
  crasher(functionName: string): (() => boolean) | undefined {
    const random = this.crashRandoms.get(functionName);
    const rate = this.faults.crashRate?.[functionName] ?? 0;
    if (!random || rate === 0) return undefined;
    return () => random() < rate;
  }
}
