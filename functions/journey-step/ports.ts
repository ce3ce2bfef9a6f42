/** ProfileReader and ProfileWriter for journey-step, over the profiles table. */
import { journeyStepPortsFromEnv } from '../../shared/adapters/journey-ports/wiring.js';
import type { ProfileReader, ProfileWriter } from '../../shared/ports/journeys.js';

/**
 * The ports from the function's environment: PROFILES_TABLE, and optionally PROFILES_CONFIG (see
 * shared/adapters/journey-ports/wiring.ts). Journey traits go to the profile item's `journeyTraits`.
 */
export function journeyStepPorts(env: Record<string, string | undefined>): {
  profiles: ProfileReader;
  profileWriter: ProfileWriter;
} {
  return journeyStepPortsFromEnv(env);
}
