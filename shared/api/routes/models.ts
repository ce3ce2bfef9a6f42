/** Models (owner `models`). */
import { route as r } from './spec.js';

export const MODEL_ROUTES = {} as const satisfies Record<string, ReturnType<typeof r>>;
