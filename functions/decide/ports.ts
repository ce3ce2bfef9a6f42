/**
 * The profiles and content contexts' adapters for ProfileReader and VariantCatalogue. Those contexts
 * are built in parallel; until the lead wires their adapters here, decide fails fast at cold start
 * with this error rather than deciding on nothing.
 */
import type { ProfileReader, VariantCatalogue } from '../../shared/ports/journeys.js';

/** Raised at cold start while a port of another context is not wired. */
export class JourneyPortsNotWiredError extends Error {
  override readonly name = 'JourneyPortsNotWiredError';
}

/** ProfileReader and VariantCatalogue from the function's environment. */
export function decidePorts(_env: Record<string, string | undefined>): {
  profiles: ProfileReader;
  variants: VariantCatalogue;
} {
  throw new JourneyPortsNotWiredError(
    'ProfileReader/VariantCatalogue: wire the profiles and content adapters in functions/decide/ports.ts',
  );
}
