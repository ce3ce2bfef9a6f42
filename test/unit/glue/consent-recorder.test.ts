import { describe, expect, it } from 'vitest';
import {
  ConsentWithdrawalError,
  marketingCategoryOf,
  ProfileConsentRecorder,
  WITHDRAWAL_SOURCE_ID,
  withdrawalEvent,
} from '../../../shared/adapters/profiles/consent-recorder.js';
import { defaultProfilesConfig as config, ProfilesConfig } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { consentStatementsOf } from '../../../shared/domain/profiles/consent.js';
import { applyEvent, consentOf } from '../../../shared/domain/profiles/state.js';
import { ev, stateOf, stored } from './support.js';

/** An event store that keeps what it is given. */
const fakeEvents = (put: NormalisedMessage[]) => ({
  putEvents: async (events: readonly NormalisedMessage[]) => {
    put.push(...events);
    return { stored: events.length, writeUnits: events.length };
  },
});

const AT = new Date('2024-06-01T12:00:00.000Z');
const granted = () =>
  stateOf(
    [
      ev('2024-05-01T10:00:00.000Z', {
        event: 'Segment Consent Preference Updated',
        context: { consent: { categoryPreferences: { email: true, sms: true } } },
      }),
    ],
    [
      { type: 'userId', value: 'user-1' },
      { type: 'anonymousId', value: 'anon-1' },
    ],
  );

describe('withdrawalEvent', () => {
  it('is a consent event for the profile userId that the projector reads as a withdrawal', () => {
    const event = withdrawalEvent(stored('pf_1', granted()), 'email', 'unsubscribe_one_click', AT, config);
    expect(event).toMatchObject({
      type: 'track',
      event: 'Segment Consent Preference Updated',
      userId: 'user-1',
      timestamp: AT.toISOString(),
      sourceId: WITHDRAWAL_SOURCE_ID,
      context: { consent: { categoryPreferences: { email: false } } },
      properties: { source: 'unsubscribe_one_click', channel: 'email' },
    });
    expect(event.anonymousId).toBeUndefined();
    expect(consentStatementsOf(event, config)).toEqual([
      { channel: 'email', purpose: 'marketing', granted: false, source: 'consent_event' },
    ]);
  });

  it('turns marketing consent on that channel false once applied, and leaves other channels alone', () => {
    const state = granted();
    const event = withdrawalEvent(stored('pf_1', state), 'email', 'ses_complaint', AT, config);
    const after = applyEvent(state, event, config).profile;
    expect(consentOf(after, 'email', 'marketing')).toBe(false);
    expect(consentOf(after, 'sms', 'marketing')).toBe(true);
  });

  it('uses the anonymousId when the profile has no userId', () => {
    const state = stateOf([], [{ type: 'anonymousId', value: 'anon-9' }]);
    const event = withdrawalEvent(stored('pf_a', state), 'sms', 'unsubscribe_form', AT, config);
    expect(event).toMatchObject({ anonymousId: 'anon-9' });
    expect(event.userId).toBeUndefined();
  });

  it('gives the same withdrawal the same messageId, and a different one another', () => {
    const profile = stored('pf_1', granted());
    const id = (channel: 'email' | 'sms', at: Date) =>
      withdrawalEvent(profile, channel, 'unsubscribe_one_click', at, config).messageId;
    expect(id('email', AT)).toBe(id('email', new Date(AT)));
    expect(id('sms', AT)).not.toBe(id('email', AT));
    expect(id('email', new Date(AT.getTime() + 1))).not.toBe(id('email', AT));
  });

  it('uses the configured category for the channel', () => {
    const custom = ProfilesConfig.parse({
      consent: { categories: { newsletter: { channel: 'email', purpose: 'marketing' } } },
    });
    expect(marketingCategoryOf('email', custom)).toBe('newsletter');
    const event = withdrawalEvent(stored('pf_1', granted()), 'email', 'x', AT, custom);
    expect(event.context).toEqual({ consent: { categoryPreferences: { newsletter: false } } });
  });

  it('refuses a channel no consent category speaks for', () => {
    const custom = ProfilesConfig.parse({
      consent: { categories: { email: { channel: 'email', purpose: 'marketing' } } },
    });
    expect(() => withdrawalEvent(stored('pf_1', granted()), 'push', 'x', AT, custom)).toThrow(
      ConsentWithdrawalError,
    );
  });

  it('refuses a profile without an event identity', () => {
    const state = stateOf([], [{ type: 'email', value: 'a@b.co' }]);
    expect(() => withdrawalEvent(stored('pf_e', state), 'email', 'x', AT, config)).toThrow(
      ConsentWithdrawalError,
    );
  });
});

describe('ProfileConsentRecorder', () => {
  it('appends the withdrawal to the events table for the live profile', async () => {
    const put: NormalisedMessage[] = [];
    const recorder = new ProfileConsentRecorder({
      profiles: { getLiveProfile: async (id) => (id === 'pf_loser' ? stored('pf_1', granted()) : undefined) },
      events: fakeEvents(put),
      config,
    });
    await recorder.withdraw('pf_loser', 'email', 'unsubscribe_one_click', AT);
    expect(put).toHaveLength(1);
    expect(put[0]).toMatchObject({ userId: 'user-1', event: 'Segment Consent Preference Updated' });
  });

  it('records nothing for a profile that no longer exists', async () => {
    const put: NormalisedMessage[] = [];
    const recorder = new ProfileConsentRecorder({
      profiles: { getLiveProfile: async () => undefined },
      events: fakeEvents(put),
      config,
    });
    await recorder.withdraw('pf_gone', 'email', 'unsubscribe_one_click', AT);
    expect(put).toEqual([]);
  });
});
