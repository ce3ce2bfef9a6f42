/** Overview, a person's activity and settings (owner `admin`). */
import { route as r } from './spec.js';

export const OVERVIEW_ROUTES = {
  profileActivity: r('GET', '/admin/profiles/{profileId}/activity', 'read'),
  overview: r('GET', '/admin/overview', 'read'),
  sourceList: r('GET', '/admin/sources', 'read'),
  sourceCreate: r('POST', '/admin/sources', 'manageKeys'),
  sourceRevoke: r('POST', '/admin/sources/{name}/revoke', 'manageKeys'),
  // Names and roles only (never tokens): locally the console users file, in AWS how to manage Cognito.
  consoleUsers: r('GET', '/admin/console-users', 'read'),
} as const satisfies Record<string, ReturnType<typeof r>>;
