/**
 * What `evaluate` reads of a stored profile beyond its decision view: the advertising consent the
 * projector folded from the `ads` consent statements (docs/profiles.md §4) and the person's country,
 * which decides whether Google's EEA consent rule applies. Pure.
 */
import type { AdvertisingConsent } from './definition.js';
import { countryCode } from './normalize.js';

type ConsentRegisters = Readonly<Record<string, { readonly v: { readonly granted: boolean } } | undefined>>;

/**
 * The advertising consent of a profile's consent registers (`ads:advertising`, `ads:adUserData`,
 * `ads:adPersonalization`). Advertising needs an explicit grant; Google's two signals are passed on
 * as the person gave them, and absent when they gave none.
 */
export function advertisingConsentOf(consent: ConsentRegisters): AdvertisingConsent {
  const adUserData = consent['ads:adUserData']?.v.granted;
  const adPersonalization = consent['ads:adPersonalization']?.v.granted;
  return {
    advertising: consent['ads:advertising']?.v.granted === true,
    ...(adUserData === undefined ? {} : { adUserData }),
    ...(adPersonalization === undefined ? {} : { adPersonalization }),
  };
}

/**
 * The ISO alpha-2 country (lowercase) a `country` trait names, when it is an assigned code: anything
 * else (`UK`, `Germany`) is unknown, and an unknown country counts as inside Google's consent region.
 */
export function countryOf(traits: Readonly<Record<string, unknown>>): string | undefined {
  return typeof traits.country === 'string' ? countryCode(traits.country) : undefined;
}
