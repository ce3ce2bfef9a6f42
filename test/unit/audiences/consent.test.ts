import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig as config, ProfilesConfig } from '../../../shared/config/profiles.js';
import { advertisingConsentOf, countryOf } from '../../../shared/domain/audiences/candidate.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { consentStatementsOf } from '../../../shared/domain/profiles/consent.js';
import { hasConsent } from '../../../shared/domain/profiles/features.js';
import { applyEvent, emptyState, type ProfileState } from '../../../shared/domain/profiles/state.js';
import { at, msg, track } from '../profiles/support.js';

const project = (...events: NormalisedMessage[]): ProfileState =>
  events.reduce((s, e) => applyEvent(s, e, config).profile, emptyState());

const prefs = (categoryPreferences: Record<string, unknown>, minutes = 0) =>
  track(
    'Segment Consent Preference Updated',
    {},
    { timestamp: at(minutes), context: { consent: { categoryPreferences } } },
  );

describe('advertising consent', () => {
  it('reads the advertising purpose and Google’s two signals from Segment consent categories', () => {
    const statements = consentStatementsOf(
      prefs({ advertising: true, ad_user_data: true, ad_personalization: false, email: true }),
      config,
    );
    expect(statements.filter((s) => s.channel === 'ads')).toEqual([
      { channel: 'ads', purpose: 'adPersonalization', granted: false, source: 'consent_event' },
      { channel: 'ads', purpose: 'adUserData', granted: true, source: 'consent_event' },
      { channel: 'ads', purpose: 'advertising', granted: true, source: 'consent_event' },
    ]);
  });

  it('folds the statements into the profile, latest event time winning, beside channel consent', () => {
    const state = project(
      prefs({ advertising: true, ad_user_data: true, ad_personalization: true }, 0),
      msg({ type: 'identify', traits: { advertisingOptIn: false }, timestamp: at(5) }),
    );
    expect(advertisingConsentOf(state.consent)).toEqual({
      advertising: false,
      adUserData: true,
      adPersonalization: true,
    });
    // Paid media consent grants no messaging: the channels read their own purposes.
    expect(hasConsent(state, 'email', 'marketing')).toBe(false);
  });

  it('needs an explicit advertising grant and leaves Google’s signals absent when never given', () => {
    expect(advertisingConsentOf(emptyState().consent)).toEqual({ advertising: false });
    expect(advertisingConsentOf(project(prefs({ advertising: true })).consent)).toEqual({
      advertising: true,
    });
  });

  it('refuses a config that maps a messaging purpose to ads, or an advertising purpose to a channel', () => {
    const categories = (target: unknown) =>
      ProfilesConfig.safeParse({ consent: { categories: { x: target }, traits: {} } });
    expect(categories({ channel: 'ads', purpose: 'marketing' }).success).toBe(false);
    expect(categories({ channel: 'email', purpose: 'advertising' }).success).toBe(false);
    expect(categories({ channel: 'ads', purpose: 'adUserData' }).success).toBe(true);
  });
});

describe('country of a profile', () => {
  it('takes an assigned ISO code from the country trait and nothing else', () => {
    expect(countryOf({ country: ' DE ' })).toBe('de');
    expect(countryOf({ country: 'UK' })).toBeUndefined();
    expect(countryOf({ country: 'Germany' })).toBeUndefined();
    expect(countryOf({ country: 49 })).toBeUndefined();
    expect(countryOf({})).toBeUndefined();
  });
});
