/**
 * The trainer's TrainingData over the live profiles (env PROFILES_TABLE, PROFILES_CONFIG optional).
 * Rows carry only the traits named in `fairness.cohortTraits` of MODELS_CONFIG. What features as of a
 * past cutoff can see is listed in shared/adapters/profiles/model-inputs.ts.
 */
import { profileTrainingDataFromEnv } from '../../shared/adapters/profiles/wiring.js';
import { parseModelsConfigEnv } from '../../shared/config/models.js';
import type { TrainingData } from '../../shared/ports/models.js';

/** TrainingData from the function's environment. */
export function trainingData(env: Record<string, string | undefined>): TrainingData {
  return profileTrainingDataFromEnv(env, parseModelsConfigEnv(env).fairness.cohortTraits);
}
