/**
 * Fault injection for the local runtime: PutEvents failures on the local bus and function crashes
 * after the handler ran, drawn from seeded generators so a test run is reproducible.
 */
import * as z from 'zod';
import { parseSdkFaults, SDK_CLIENT_KINDS } from '../../shared/adapters/aws/fault-middleware.js';
import { hashSeed, seededRandom } from '../../shared/domain/random.js';

/** What to break, and how often (each rate is a share, 0–1). */
export const Faults = z
  .object({
    /** Share of PutEvents entries answered as failed (`InternalFailure`); a tenth of that share of calls fail whole with a 500. */
    putEventsFailureRate: z.number().min(0).max(1).optional(),
    /** Per function (its folder name under functions/): share of invocations that fail after the handler ran. */
    crashRate: z.record(z.string().min(1), z.number().min(0).max(1)).optional(),
    /**
     * Per AWS SDK client kind, inside every function: a share of calls throttled, failed with a 500,
     * or carried out with their answer lost (timeout). See shared/adapters/aws/fault-middleware.ts.
     */
    sdk: z
      .partialRecord(
        z.enum(SDK_CLIENT_KINDS),
        z
          .object({ fault: z.enum(['throttle', 'error', 'timeout']), rate: z.number().min(0).max(1) })
          .strict(),
      )
      .optional(),
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

/**
 * Parses FELTFIT_FAULTS; undefined when unset or empty. Two forms: JSON (every option), or the
 * compact list of SDK faults `dynamodb=throttle:0.1,eventbridge=error:0.05,ses=timeout:0.02[,seed=7]`.
 */
export function parseFaults(text: string | undefined): Faults | undefined {
  const json = text?.trim();
  if (!json) return undefined;
  let raw: unknown;
  if (json.startsWith('{')) {
    try {
      raw = JSON.parse(json);
    } catch (cause) {
      throw new FaultsConfigError('FELTFIT_FAULTS must be JSON, e.g. {"putEventsFailureRate":0.2}', {
        cause,
      });
    }
  } else {
    const seed = /(?:^|,)\s*seed=(-?\d+)\s*(?=,|$)/.exec(json);
    try {
      raw = {
        sdk: parseSdkFaults(json.replace(/(?:^|,)\s*seed=-?\d+\s*(?=,|$)/, '')),
        ...(seed ? { seed: Number(seed[1]) } : {}),
      };
    } catch (cause) {
      throw new FaultsConfigError(
        `FELTFIT_FAULTS must be JSON or a list like dynamodb=throttle:0.1,ses=timeout:0.02: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  const parsed = Faults.safeParse(raw);
  if (!parsed.success)
    throw new FaultsConfigError(
      `FELTFIT_FAULTS: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** The FELTFIT_SDK_FAULTS value the local runtime gives every function; undefined without SDK faults. */
export function sdkFaultsEnv(faults: Faults | undefined): string | undefined {
  const entries = Object.entries(faults?.sdk ?? {});
  if (entries.length === 0) return undefined;
  return [...entries.map(([kind, f]) => `${kind}=${f!.fault}:${f!.rate}`), `seed=${faults?.seed ?? 1}`].join(
    ',',
  );
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
    this.busRandom = seededRandom(seed ^ hashSeed('PutEvents'));
    for (const name of Object.keys(faults.crashRate ?? {}))
      this.crashRandoms.set(name, seededRandom(seed ^ hashSeed(`crash:${name}`)));
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
