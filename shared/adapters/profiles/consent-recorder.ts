/**
 * ConsentRecorder over the profiles layer. A withdrawal is appended to the events table as a synthetic
 * `Segment Consent Preference Updated` track event for the person; the profile projector then applies
 * it like any consent event (LWW by event time, so it respects the lattice and survives merges and
 * replays), writes the demonstrable consent record `CONSENT#<at>#<messageId>` and emits ConsentChanged.
 * The raw event (with the withdrawal's source in its properties) stays in the events table for the
 * retention period; the consent record stays with the profile.
 */
import { createHash } from 'node:crypto';
import type { Channel, ProfilesConfig } from '../../config/profiles.js';
import type { NormalisedMessage } from '../../domain/ingest/schemas.js';
import { CONSENT_EVENT } from '../../domain/profiles/consent.js';
import type { ConsentRecorder } from '../../ports/channels.js';
import type { EventStore } from '../../ports/events.js';
import type { ProfileStore, StoredProfile } from '../../ports/profiles.js';

/** Source id of the synthetic consent events. */
export const WITHDRAWAL_SOURCE_ID = 'feltfit-unsubscribe';

/** Raised when a withdrawal cannot be expressed as a consent event for the profile. */
export class ConsentWithdrawalError extends Error {
  override readonly name = 'ConsentWithdrawalError';
}

/** The consent category that speaks for marketing on a channel (the one named like it first). */
export function marketingCategoryOf(
  channel: Channel,
  config: Pick<ProfilesConfig, 'consent'>,
): string | undefined {
  const matches = Object.entries(config.consent.categories)
    .filter(([, t]) => t.channel === channel && t.purpose === 'marketing')
    .map(([name]) => name)
    .sort();
  return matches.includes(channel) ? channel : matches[0];
}

/** The synthetic consent event that withdraws marketing consent for a channel. */
export function withdrawalEvent(
  profile: StoredProfile,
  channel: Channel,
  source: string,
  at: Date,
  config: Pick<ProfilesConfig, 'consent'>,
): NormalisedMessage {
  const category = marketingCategoryOf(channel, config);
  if (category === undefined) {
    throw new ConsentWithdrawalError(`no consent category maps to marketing on ${channel}`);
  }
  // The strongest event identity the profile owns, so the projector resolves the event to it.
  const userId = profile.state.identities.userId[0];
  const anonymousId = profile.state.identities.anonymousId[0];
  if (userId === undefined && anonymousId === undefined) {
    throw new ConsentWithdrawalError('the profile has neither a userId nor an anonymousId');
  }
  const timestamp = at.toISOString();
  // Deterministic: a retried withdrawal is the same message (deduplicated by the events table key).
  const messageId = `feltfit-consent-${createHash('sha256')
    .update(`${profile.profileId}|${channel}|${source}|${timestamp}`, 'utf8')
    .digest('hex')
    .slice(0, 32)}`;
  const categoryPreferences = { [category]: false };
  return {
    messageId,
    type: 'track',
    event: CONSENT_EVENT,
    ...(userId !== undefined ? { userId } : { anonymousId: anonymousId! }),
    properties: { categoryPreferences, channel, source },
    context: { consent: { categoryPreferences } },
    timestamp,
    receivedAt: timestamp,
    sourceId: WITHDRAWAL_SOURCE_ID,
  };
}

/** Records withdrawals as consent events the profile projector applies. */
export class ProfileConsentRecorder implements ConsentRecorder {
  constructor(
    private readonly deps: {
      readonly profiles: Pick<ProfileStore, 'getLiveProfile'>;
      readonly events: Pick<EventStore, 'putEvents'>;
      readonly config: Pick<ProfilesConfig, 'consent'>;
    },
  ) {}

  /** No-op for a profile that no longer exists (erased): there is no one left to contact. */
  async withdraw(profileId: string, channel: Channel, source: string, at: Date): Promise<void> {
    const profile = await this.deps.profiles.getLiveProfile(profileId);
    if (!profile) return;
    await this.deps.events.putEvents([withdrawalEvent(profile, channel, source, at, this.deps.config)]);
  }
}
