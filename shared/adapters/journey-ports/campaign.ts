/**
 * Campaign-run ports: the audience as pages of live profiles in their decision view (journey traits
 * included, contact data never), and CampaignRunRequested events on the Feltfit bus.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { ProfilesConfig } from '../../config/profiles.js';
import {
  type AudienceSource,
  CAMPAIGN_RUN_REQUESTED,
  CAMPAIGN_SOURCE,
  type CampaignEvents,
  type CampaignRunRequested,
} from '../../domain/journeys/campaign.js';
import type { DecisionProfile } from '../../ports/journeys.js';
import type { ProfileScan } from '../../ports/profiles.js';
import { putEntries } from '../eventbridge/domain-events.js';
import { decisionProfileOf, type JourneyTraitsReader } from './profile-reader.js';

/** AudienceSource over a scan of the profiles table. */
export class ProfileAudienceSource implements AudienceSource {
  constructor(
    private readonly deps: {
      readonly scan: ProfileScan;
      readonly journeyTraits: JourneyTraitsReader;
      readonly config: Pick<ProfilesConfig, 'traits' | 'hesitationWindowHours'>;
      readonly now?: () => Date;
    },
  ) {}

  async page(limit: number, cursor?: string): Promise<{ profiles: DecisionProfile[]; cursor?: string }> {
    const page = await this.deps.scan.scanLiveProfiles({ limit, ...(cursor ? { cursor } : {}) });
    const now = (this.deps.now ?? (() => new Date()))();
    const profiles = await Promise.all(
      page.profiles.map(async (stored) =>
        decisionProfileOf(stored, {
          config: this.deps.config,
          journeyTraits: await this.deps.journeyTraits.read([stored.profileId]),
          now,
        }),
      ),
    );
    return { profiles, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }
}

/** CampaignEvents on EventBridge (source `feltfit.campaigns`). */
export class EventBridgeCampaignEvents implements CampaignEvents {
  constructor(
    private readonly options: { readonly client: Pick<EventBridgeClient, 'send'>; readonly busName: string },
  ) {}

  async requested(events: readonly CampaignRunRequested[]): Promise<void> {
    await putEntries(
      this.options.client,
      events.map((detail) => ({
        EventBusName: this.options.busName,
        Source: CAMPAIGN_SOURCE,
        DetailType: CAMPAIGN_RUN_REQUESTED,
        Detail: JSON.stringify(detail),
      })),
    );
  }
}
