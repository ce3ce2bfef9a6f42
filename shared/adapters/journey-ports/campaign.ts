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
import type { ProfileScan, StoredProfile } from '../../ports/profiles.js';
import { putEntries } from '../eventbridge/domain-events.js';
import { decisionProfileOf, type JourneyTraitsReader } from './profile-reader.js';

/** What a page of live profiles in their decision view reads. */
export interface DecisionPageDeps {
  readonly scan: ProfileScan;
  readonly journeyTraits: JourneyTraitsReader;
  readonly config: Pick<ProfilesConfig, 'traits' | 'hesitationWindowHours'>;
  readonly now?: () => Date;
}

/** One page of live profiles, each stored profile with its decision view (journey traits included). */
export async function decisionPage(
  deps: DecisionPageDeps,
  limit: number,
  cursor?: string,
): Promise<{ profiles: { stored: StoredProfile; decision: DecisionProfile }[]; cursor?: string }> {
  const page = await deps.scan.scanLiveProfiles({ limit, ...(cursor ? { cursor } : {}) });
  const now = (deps.now ?? (() => new Date()))();
  const profiles = await Promise.all(
    page.profiles.map(async (stored) => ({
      stored,
      decision: decisionProfileOf(stored, {
        config: deps.config,
        journeyTraits: await deps.journeyTraits.read([stored.profileId]),
        now,
      }),
    })),
  );
  return { profiles, ...(page.cursor ? { cursor: page.cursor } : {}) };
}

/** AudienceSource over a scan of the profiles table. */
export class ProfileAudienceSource implements AudienceSource {
  constructor(private readonly deps: DecisionPageDeps) {}

  async page(limit: number, cursor?: string): Promise<{ profiles: DecisionProfile[]; cursor?: string }> {
    const page = await decisionPage(this.deps, limit, cursor);
    return { ...page, profiles: page.profiles.map((p) => p.decision) };
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
