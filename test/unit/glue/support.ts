/** Builds profile states from events with the profiles domain, so tests state inputs as events. */
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import {
  applyEvent,
  emptyState,
  type ProfileState,
  withIdentities,
} from '../../../shared/domain/profiles/state.js';
import type { StoredProfile } from '../../../shared/ports/profiles.js';

let counter = 0;

/** A track message at `timestamp` for user-1, with a fresh id. */
export function ev(timestamp: string, overrides: Partial<NormalisedMessage> = {}): NormalisedMessage {
  counter++;
  return {
    messageId: `m-${counter}`,
    type: 'track',
    userId: 'user-1',
    timestamp,
    receivedAt: timestamp,
    sourceId: 'web',
    ...overrides,
  } as NormalisedMessage;
}

/** The state the events give a profile that owns `ids`. */
export function stateOf(
  events: readonly NormalisedMessage[],
  ids: readonly { type: 'userId' | 'anonymousId' | 'email'; value: string }[] = [
    { type: 'userId', value: 'user-1' },
  ],
): ProfileState {
  let state = withIdentities(emptyState(), ids);
  for (const e of events) state = applyEvent(state, e, config).profile;
  return state;
}

/** A stored profile around a state. */
export function stored(
  profileId: string,
  state: ProfileState,
  extra: Partial<StoredProfile> = {},
): StoredProfile {
  return {
    profileId,
    version: 1,
    state,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}
