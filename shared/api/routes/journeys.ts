/** Journeys and the message log (owner `journeys`). */
import { route as r } from './spec.js';

export const JOURNEY_ROUTES = {} as const satisfies Record<string, ReturnType<typeof r>>;
