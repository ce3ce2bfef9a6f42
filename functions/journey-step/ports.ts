/**
 * The profiles context's ProfileReader and ProfileWriter for journey-step. Until the lead wires
 * them here, journey-step fails fast at cold start with this error.
 */
import type { ProfileReader, ProfileWriter } from '../../shared/ports/journeys.js';
import { JourneyPortsNotWiredError } from '../decide/ports.js';

/** ProfileReader and ProfileWriter from the function's environment. */
export function journeyStepPorts(_env: Record<string, string | undefined>): {
  profiles: ProfileReader;
  profileWriter: ProfileWriter;
} {
  throw new JourneyPortsNotWiredError(
    'ProfileReader/ProfileWriter: wire the profiles adapters in functions/journey-step/ports.ts',
  );
}
