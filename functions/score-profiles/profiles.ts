/**
 * The profiles layer's ScoringSource and ScoreSink adapters. The profiles layer is being built in
 * parallel; until the lead wires its adapters here, the scorer fails fast at cold start with this
 * error rather than scoring nothing.
 */
import type { ScoreSink, ScoringSource } from '../../shared/ports/models.js';

/** Raised at cold start while no profiles adapter is wired. */
export class ProfilesNotWiredError extends Error {
  override readonly name = 'ProfilesNotWiredError';
}

/** ScoringSource and ScoreSink from the function's environment. */
export function scoringProfiles(_env: Record<string, string | undefined>): {
  source: ScoringSource;
  sink: ScoreSink;
} {
  throw new ProfilesNotWiredError(
    'ScoringSource/ScoreSink: wire the profiles layer adapters in functions/score-profiles/profiles.ts',
  );
}
