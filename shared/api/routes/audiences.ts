/**
 * Audiences and campaign runs (owner `campaigns`). Bodies: shared/domain/campaigns/audiences.ts
 * (AudiencePreviewBody, SavedAudienceInput) and launch.ts (CampaignLaunch), the same schemas the
 * console's forms use.
 */
import { route as r } from './spec.js';

export const AUDIENCE_ROUTES = {
  audiencePreview: r('POST', '/admin/audiences/preview', 'read', 'campaigns'),
  audienceList: r('GET', '/admin/audiences', 'read', 'campaigns'),
  audienceCreate: r('POST', '/admin/audiences', 'launch', 'campaigns'),
  audienceGet: r('GET', '/admin/audiences/{audienceId}', 'read', 'campaigns'),
  audienceDelete: r('DELETE', '/admin/audiences/{audienceId}', 'launch', 'campaigns'),
  campaignEstimate: r('POST', '/admin/campaigns/estimate', 'read', 'campaigns'),
  campaignLaunch: r('POST', '/admin/campaigns', 'launch', 'campaigns'),
  campaignList: r('GET', '/admin/campaigns', 'read', 'campaigns'),
  campaignGet: r('GET', '/admin/campaigns/{runId}', 'read', 'campaigns'),
} as const satisfies Record<string, ReturnType<typeof r>>;
