/** Overview, a person's activity and settings (owner `admin`). */
import { route as r } from './spec.js';

export const OVERVIEW_ROUTES = {
  profileActivity: r('GET', '/admin/profiles/{profileId}/activity', 'read'),
} as const satisfies Record<string, ReturnType<typeof r>>;
