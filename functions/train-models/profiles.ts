/**
 * The profiles layer's TrainingData adapter. The profiles layer is being built in parallel; until
 * the lead wires its adapter here, the trainer fails fast at cold start with this error rather than
 * training on nothing.
 */
import type { TrainingData } from '../../shared/ports/models.js';

/** Raised at cold start while no profiles adapter is wired. */
export class ProfilesNotWiredError extends Error {
  override readonly name = 'ProfilesNotWiredError';
}

/** TrainingData from the function's environment. */
export function trainingData(_env: Record<string, string | undefined>): TrainingData {
  throw new ProfilesNotWiredError(
    'TrainingData: wire the profiles layer adapter in functions/train-models/profiles.ts',
  );
}
