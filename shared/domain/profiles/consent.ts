/**
 * Consent statements a message makes. Sources: Segment's consent event
 * (`Segment Consent Preference Updated`) and any message's `context.consent.categoryPreferences`
 * (category → boolean, mapped to channel and purpose by config), and boolean identify traits named in
 * config (`emailOptIn`, …). Transactional sends need no marketing consent, so only the purposes a
 * source names are affected.
 */
import type { ConsentTarget, ProfilesConfig } from '../../config/profiles.js';
import type { NormalisedMessage } from '../ingest/schemas.js';

export const CONSENT_EVENT = 'Segment Consent Preference Updated';

export type ConsentSource = 'consent_event' | 'context' | 'trait';

/** One statement: the person grants or withdraws consent for a channel (or `ads`) and purpose. */
export type ConsentStatement = ConsentTarget & {
  readonly granted: boolean;
  readonly source: ConsentSource;
};

const rec = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Consent statements of a message, one per channel and purpose (the explicit source wins). */
export function consentStatementsOf(message: NormalisedMessage, config: ProfilesConfig): ConsentStatement[] {
  const out = new Map<string, ConsentStatement>();
  const source: ConsentSource =
    message.type === 'track' && message.event === CONSENT_EVENT ? 'consent_event' : 'context';
  const prefs = rec(rec(rec(message.context)?.consent)?.categoryPreferences) ?? {};
  for (const [category, granted] of Object.entries(prefs)) {
    const target = config.consent.categories[category];
    if (target && typeof granted === 'boolean') {
      out.set(`${target.channel}:${target.purpose}`, { ...target, granted, source });
    }
  }
  if (message.type === 'identify') {
    for (const [name, granted] of Object.entries(rec(message.traits) ?? {})) {
      const target = config.consent.traits[name];
      if (target && typeof granted === 'boolean') {
        out.set(`${target.channel}:${target.purpose}`, { ...target, granted, source: 'trait' });
      }
    }
  }
  return [...out.values()].sort((a, b) =>
    `${a.channel}:${a.purpose}` < `${b.channel}:${b.purpose}` ? -1 : 1,
  );
}

/** Whether a message grants any consent (a tombstoned person may come back by consenting). */
export function grantsConsent(message: NormalisedMessage, config: ProfilesConfig): boolean {
  return consentStatementsOf(message, config).some((s) => s.granted);
}
