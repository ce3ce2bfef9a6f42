/** ProfileReader and VariantCatalogue for decide: live profiles with scores, and approved content. */
import { decidePortsFromEnv } from '../../shared/adapters/journey-ports/wiring.js';
import type { ProfileReader, VariantCatalogue } from '../../shared/ports/journeys.js';

/**
 * The ports from the function's environment: PROFILES_TABLE, CONTENT_TABLE, and optionally
 * PROFILES_CONFIG and CONTENT_CACHE_SECONDS (see shared/adapters/journey-ports/wiring.ts).
 */
export function decidePorts(env: Record<string, string | undefined>): {
  profiles: ProfileReader;
  variants: VariantCatalogue;
} {
  return decidePortsFromEnv(env);
}
