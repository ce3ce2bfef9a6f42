/**
 * The scorer's ScoringSource and ScoreSink over the live profiles (env PROFILES_TABLE, PROFILES_CONFIG
 * optional). Scores are written on the profile item in their own attribute, which projector commits
 * leave alone.
 */
import { profileScoringFromEnv } from '../../shared/adapters/profiles/wiring.js';
import type { ScoreSink, ScoringSource } from '../../shared/ports/models.js';

/** ScoringSource and ScoreSink from the function's environment. */
export function scoringProfiles(env: Record<string, string | undefined>): {
  source: ScoringSource;
  sink: ScoreSink;
} {
  return profileScoringFromEnv(env);
}
