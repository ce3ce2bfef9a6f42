/** Audiences and campaign runs (owner `campaigns`). */
import { route as r } from './spec.js';

export const AUDIENCE_ROUTES = {} as const satisfies Record<string, ReturnType<typeof r>>;
