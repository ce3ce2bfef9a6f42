/**
 * RecipientSource over the profiles layer: what the send path needs to know about a person, read from
 * the live profile (following `mergedInto`). Contact data, consent and features are derived from the
 * profile state with the same pure functions the projector uses, so they match the stored item.
 */
import { CHANNELS } from '../../config/profiles.js';
import { contactOf, featuresOf } from '../../domain/profiles/features.js';
import { consentOf } from '../../domain/profiles/state.js';
import type { Recipient, RecipientSource } from '../../ports/channels.js';
import type { ProfileStore, StoredProfile } from '../../ports/profiles.js';

/** US state and territory codes, for the stricter SMS quiet-hours windows. */
const US_STATES: ReadonlySet<string> = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY ' +
    'NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI'
  ).split(' '),
);

/** Traits that may hold a US state code, checked in this order. */
export const US_STATE_TRAITS = ['usState', 'state', 'region'] as const;

/** Traits naming a country; when one is set and is not the US, no US state applies. */
const COUNTRY_TRAITS = ['country', 'countryCode'] as const;

function usStateOf(traits: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of COUNTRY_TRAITS) {
    const country = traits[name];
    if (typeof country === 'string' && !['US', 'USA'].includes(country.trim().toUpperCase()))
      return undefined;
  }
  for (const name of US_STATE_TRAITS) {
    const value = traits[name];
    if (typeof value !== 'string') continue;
    const code = value.trim().toUpperCase();
    if (US_STATES.has(code)) return code;
  }
  return undefined;
}

function platformOf(deviceType: string): 'ios' | 'android' | undefined {
  const t = deviceType.trim().toLowerCase();
  if (t === 'ios' || t === 'ipados' || t === 'apple') return 'ios';
  if (t === 'android') return 'android';
  return undefined;
}

/** The recipient a stored profile describes. */
export function recipientOf(profile: StoredProfile): Recipient {
  const state = profile.state;
  const contact = contactOf(state);
  const traits: Record<string, unknown> = {};
  for (const [name, reg] of Object.entries(state.traits)) traits[name] = reg.v;
  const consent: { -readonly [C in (typeof CHANNELS)[number]]?: boolean } = {};
  for (const channel of CHANNELS) {
    const granted = consentOf(state, channel, 'marketing');
    if (granted !== undefined) consent[channel] = granted;
  }
  const pushTokens = contact.pushTokens.flatMap((t) => {
    const platform = platformOf(t.type);
    return platform ? [{ token: t.token, platform }] : [];
  });
  const usState = usStateOf(traits);
  const features: Record<string, unknown> = { ...featuresOf(state) };
  if (profile.scores) {
    features.scores = { ...profile.scores.values, bands: profile.scores.bands, at: profile.scores.at };
  }
  return {
    profileId: profile.profileId,
    ...(contact.email !== undefined ? { email: contact.email } : {}),
    ...(contact.phone !== undefined ? { phone: contact.phone } : {}),
    ...(pushTokens.length > 0 ? { pushTokens } : {}),
    ...(state.timezone ? { timeZone: state.timezone.v } : {}),
    ...(usState ? { usState } : {}),
    ...(state.locale ? { locale: state.locale.v } : {}),
    consent,
    traits,
    features,
  };
}

/** RecipientSource reading live profiles from the profile store. */
export class ProfileRecipientSource implements RecipientSource {
  constructor(private readonly store: Pick<ProfileStore, 'getLiveProfile'>) {}

  async getRecipient(profileId: string): Promise<Recipient | undefined> {
    const profile = await this.store.getLiveProfile(profileId);
    return profile ? recipientOf(profile) : undefined;
  }
}
