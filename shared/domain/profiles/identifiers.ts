/**
 * Identifiers of a person: extraction from a message, normalisation (email lower-cased and trimmed,
 * phone in E.164), blocking, and the hashes under which the identity index keys them. The index never
 * holds a clear identifier.
 */
import type { IdentifierType, ProfilesConfig } from '../../config/profiles.js';
import type { NormalisedMessage } from '../ingest/schemas.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';

/** One normalised identifier. */
export interface Identifier {
  readonly type: IdentifierType;
  readonly value: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The normalised email, or undefined when the text is not an email address. */
export function normaliseEmail(text: string): string | undefined {
  const email = text.trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : undefined;
}

/** Country calling codes for national numbers; NANP countries share +1. */
// biome-ignore format: a table reads better in rows
const CALLING_CODES: Readonly<Record<string, string>> = {
  US: '1', CA: '1', PR: '1', GB: '44', IE: '353', DE: '49', AT: '43', CH: '41', FR: '33', BE: '32',
  NL: '31', LU: '352', ES: '34', PT: '351', IT: '39', DK: '45', SE: '46', NO: '47', FI: '358',
  PL: '48', CZ: '420', AU: '61', NZ: '64', JP: '81', KR: '82', CN: '86', IN: '91', SG: '65',
  HK: '852', BR: '55', MX: '52', AR: '54', ZA: '27', IL: '972', AE: '971', TR: '90',
};

/**
 * The E.164 form of a phone number, or undefined when it cannot be normalised. International forms
 * (`+…`, `00…`) are kept; national ones get `defaultCountry`'s calling code, dropping a trunk `0`.
 */
export function normalisePhone(text: string, defaultCountry: string): string | undefined {
  const trimmed = text.trim();
  if (!/^[+\d\s().\-/]+$/.test(trimmed)) return undefined;
  const plus = trimmed.startsWith('+');
  let digits = trimmed.replace(/\D/g, '');
  let e164: string;
  if (plus) e164 = digits;
  else if (digits.startsWith('00')) e164 = digits.slice(2);
  else {
    const code = CALLING_CODES[defaultCountry];
    if (code === undefined) return undefined;
    if (code === '1') {
      if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
      if (digits.length !== 10) return undefined;
    } else if (digits.startsWith('0')) digits = digits.slice(1);
    e164 = code + digits;
  }
  if (e164.startsWith('0') || e164.length < 8 || e164.length > 15) return undefined;
  return `+${e164}`;
}

type NormaliseConfig = Pick<ProfilesConfig, 'defaultCountry' | 'blockedValues'>;

function isBlocked(raw: string, normalised: string, config: NormaliseConfig): boolean {
  const a = raw.trim().toLowerCase();
  const b = normalised.trim().toLowerCase();
  return config.blockedValues.some((v) => {
    const blocked = v.trim().toLowerCase();
    return blocked === a || blocked === b;
  });
}

/** Normalises an identifier of a type; undefined when blocked or not normalisable. */
export function normaliseIdentifier(
  type: IdentifierType,
  raw: unknown,
  config: NormaliseConfig,
): Identifier | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw);
  let value: string | undefined;
  if (type === 'email') value = normaliseEmail(text);
  else if (type === 'phone') value = normalisePhone(text, config.defaultCountry);
  else value = text.trim().length > 0 && text.length <= 1024 ? text : undefined;
  if (value === undefined || isBlocked(text, value, config)) return undefined;
  return { type, value };
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** What a message says about who sent it. */
export interface MessageIdentifiers {
  /** Usable identifiers, deduplicated, strongest first. */
  readonly identifiers: readonly Identifier[];
  /** Candidate identifier values that were blocked or could not be normalised. */
  readonly ignored: number;
}

/**
 * The identifiers of a message: userId, anonymousId, email and phone from identify traits or
 * context.traits, context.device.id, and an alias's previousId as an anonymousId (the projector
 * treats it as a userId when the index knows it as one).
 */
export function identifiersOf(message: NormalisedMessage, config: ProfilesConfig): MessageIdentifiers {
  const candidates: [IdentifierType, unknown][] = [];
  const push = (type: IdentifierType, v: unknown) => {
    if (v !== undefined && v !== null) candidates.push([type, v]);
  };
  push('userId', message.userId);
  push('anonymousId', message.anonymousId);
  const traits = message.type === 'identify' ? record(message.traits) : undefined;
  const contextTraits = record(message.context?.traits);
  push('email', traits?.email);
  push('email', contextTraits?.email);
  push('phone', traits?.phone);
  push('phone', contextTraits?.phone);
  push('deviceId', record(message.context?.device)?.id);
  if (message.type === 'alias') push('anonymousId', message.previousId);
  const seen = new Set<string>();
  const identifiers: Identifier[] = [];
  let ignored = 0;
  for (const [type, raw] of candidates) {
    const id = normaliseIdentifier(type, raw, config);
    if (!id) {
      ignored++;
      continue;
    }
    const key = `${id.type}:${id.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    identifiers.push(id);
  }
  const rank = (t: IdentifierType) => config.identifierPriority.indexOf(t);
  identifiers.sort(
    (a, b) => rank(a.type) - rank(b.type) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
  );
  return { identifiers, ignored };
}

/** Text an identifier is hashed from: type-prefixed, so one value as email and as userId differ. */
const identifierText = (id: Identifier) => `${id.type}:${id.value}`;

/**
 * Hash of a normalised identifier for index keys (pointers, tombstones): the keyed hash under the
 * current key (`<keyId>.<hex>`), so emails and phones cannot be found by dictionary.
 */
export function identifierHash(id: Identifier, hasher: KeyedHasher): string {
  return hasher.hash(identifierText(id));
}

/** The identifier's hash under every key, current first: what a lookup tries during a rotation. */
export function identifierHashes(id: Identifier, hasher: KeyedHasher): string[] {
  return hasher.candidates(identifierText(id));
}

/**
 * Id of the profile an identifier creates: `pf_` + 32 hex of the keyed hash (current key) of the
 * identifier, so a replay creates the same profile and a dictionary of emails cannot name it. The id is
 * an identity, not a lookup: minted once, it stays the profile's id after a key rotation (lookups go
 * through the identity index). The text differs from the index's, so an id is no prefix of a pointer.
 */
export function profileIdFor(id: Identifier, hasher: Pick<KeyedHasher, 'hash'>): string {
  const hash = hasher.hash(`profile\u0000${id.type}\u0000${id.value}`);
  // `<keyId>.<hex>`: the id keeps the hex only, as ids minted under any key look alike.
  return `pf_${hash.slice(hash.indexOf('.') + 1).slice(0, 32)}`;
}
