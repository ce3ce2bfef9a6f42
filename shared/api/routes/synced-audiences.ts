/**
 * Synced audiences (owner `admin`): versioned definitions for paid media, their versions, and a
 * count with a sample of member ids. Bodies and answers: shared/domain/audiences/admin.ts
 * (AudienceDefinition, AudienceCount). A new version is a POST to the versions collection (the
 * console's origin allows GET and POST only).
 */
import { route as r } from './spec.js';

export const SYNCED_AUDIENCE_ROUTES = {
  syncedAudienceList: r('GET', '/admin/synced-audiences', 'read'),
  syncedAudienceCreate: r('POST', '/admin/synced-audiences', 'launch'),
  syncedAudienceGet: r('GET', '/admin/synced-audiences/{audienceId}', 'read'),
  syncedAudienceVersions: r('GET', '/admin/synced-audiences/{audienceId}/versions', 'read'),
  syncedAudienceUpdate: r('POST', '/admin/synced-audiences/{audienceId}/versions', 'launch'),
  syncedAudienceCount: r('GET', '/admin/synced-audiences/{audienceId}/count', 'read'),
} as const satisfies Record<string, ReturnType<typeof r>>;
