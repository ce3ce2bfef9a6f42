import { describe, expect, it } from 'vitest';
import { ProfileRecipientSource, recipientOf } from '../../../shared/adapters/profiles/recipient-source.js';
import { ev, stateOf, stored } from './support.js';

const identify = (traits: Record<string, unknown>, context: Record<string, unknown> = {}) =>
  ev('2024-05-01T10:00:00.000Z', { type: 'identify', traits, context });

describe('recipientOf', () => {
  it('maps contact data, time zone, locale and traits from the profile', () => {
    const state = stateOf([
      identify(
        { email: 'Ann@Example.com', phone: '+1 512 555 0100', firstName: 'Ann' },
        { timezone: 'America/Chicago', locale: 'en-US' },
      ),
    ]);
    const r = recipientOf(stored('pf_1', state));
    expect(r).toMatchObject({
      profileId: 'pf_1',
      email: 'ann@example.com',
      phone: '+15125550100',
      timeZone: 'America/Chicago',
      locale: 'en-US',
      traits: { firstName: 'Ann', email: 'ann@example.com' },
    });
    expect(r.features).toMatchObject({ timezone: 'America/Chicago', purchases: { orderCount: 0 } });
  });

  it('gives marketing consent per channel, leaving channels never consented undefined', () => {
    const state = stateOf([
      ev('2024-05-01T10:00:00.000Z', {
        event: 'Segment Consent Preference Updated',
        context: { consent: { categoryPreferences: { email: true, sms: false } } },
      }),
    ]);
    const r = recipientOf(stored('pf_1', state));
    expect(r.consent).toEqual({ email: true, sms: false });
    expect(r.consent.push).toBeUndefined();
  });

  it('takes the latest consent statement by event time', () => {
    const grant = ev('2024-05-02T10:00:00.000Z', {
      context: { consent: { categoryPreferences: { email: true } } },
    });
    const withdraw = ev('2024-05-03T10:00:00.000Z', {
      context: { consent: { categoryPreferences: { email: false } } },
    });
    expect(recipientOf(stored('pf', stateOf([withdraw, grant]))).consent.email).toBe(false);
  });

  it('reads a US state from a state trait and ignores it for a non-US country', () => {
    // Undeclared traits are dropped by the projector, so these are put on the state directly.
    const withTraits = (traits: Record<string, string>) => ({
      ...stateOf([]),
      traits: Object.fromEntries(Object.entries(traits).map(([k, v]) => [k, { v, t: 1, m: 'x' }])),
    });
    expect(recipientOf(stored('pf', withTraits({ state: 'tx' }))).usState).toBe('TX');
    expect(recipientOf(stored('pf', withTraits({ usState: 'FL', country: 'US' }))).usState).toBe('FL');
    expect(recipientOf(stored('pf', withTraits({ state: 'TX', country: 'DE' }))).usState).toBeUndefined();
    expect(recipientOf(stored('pf', withTraits({ state: 'Bavaria' }))).usState).toBeUndefined();
  });

  it('keeps push tokens of iOS and Android devices only, with their platform', () => {
    const state = stateOf([
      ev('2024-05-01T10:00:00.000Z', { context: { device: { token: 'tok-a', type: 'ios' } } }),
      ev('2024-05-01T10:01:00.000Z', { context: { device: { token: 'tok-b', type: 'Android' } } }),
      ev('2024-05-01T10:02:00.000Z', { context: { device: { token: 'tok-c', type: 'web' } } }),
    ]);
    expect(recipientOf(stored('pf', state)).pushTokens).toEqual([
      { token: 'tok-b', platform: 'android' },
      { token: 'tok-a', platform: 'ios' },
    ]);
  });

  it('exposes the last scores among the features for templates and decisions', () => {
    const r = recipientOf(
      stored('pf', stateOf([]), {
        scores: {
          at: '2024-05-01T00:00:00.000Z',
          values: { churnRisk: 0.8 },
          bands: { churnRisk: 'high' },
          modelVersions: { clv: 'v1' },
        },
      }),
    );
    expect(r.features.scores).toEqual({
      churnRisk: 0.8,
      bands: { churnRisk: 'high' },
      at: '2024-05-01T00:00:00.000Z',
    });
  });
});

describe('ProfileRecipientSource', () => {
  it('answers undefined for a profile that does not exist (or was erased)', async () => {
    const source = new ProfileRecipientSource({ getLiveProfile: async () => undefined });
    expect(await source.getRecipient('pf_gone')).toBeUndefined();
  });

  it('returns the live profile a merged id leads to', async () => {
    const live = stored('pf_winner', stateOf([identify({ email: 'a@b.co' })]));
    const source = new ProfileRecipientSource({
      getLiveProfile: async (id) => (id === 'pf_loser' ? live : undefined),
    });
    expect(await source.getRecipient('pf_loser')).toMatchObject({ profileId: 'pf_winner', email: 'a@b.co' });
  });
});
