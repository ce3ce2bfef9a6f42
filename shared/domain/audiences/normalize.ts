/**
 * Normalisation and hashing of the identifiers an audience uploads, exactly as each destination
 * documents it (docs/audiences.md §Normalisation, with the sources). A value is normalised by the
 * destination's rule, then — where the destination says so — hashed as lowercase hex SHA-256. Raw
 * values never leave this module: a result carries the normalised value only for the caller to hash
 * or send unhashed where the platform asks for it (Google's postal and region codes, Meta's
 * EXTERN_ID and MADID). Invalid input is a typed reason per field, never an exception, so that a
 * sync can skip and count rows.
 *
 * Sources (read 2026-12):
 * - Meta: https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
 *   (hashing table, as mirrored by https://help.hcltechsw.com/unica/Link/en/12.1.5/Link/Facebook/data_normalization.html)
 *   and the Business SDK normaliser facebook/facebook-python-business-sdk
 *   facebook_business/adobjects/serverside/normalize.py.
 * - Google Data Manager API: https://developers.google.com/data-manager/api/get-started/formatting and
 *   https://developers.google.com/data-manager/api/reference/rest/v1/UserData.
 * - TikTok: https://ads.tiktok.com/help/article/list-of-supported-ids-and-formats-for-a-customer-file
 *   (August 2025 revision: phone digits only, no '+').
 * - LinkedIn: https://learn.microsoft.com/en-us/linkedin/marketing/matched-audiences/create-and-manage-segment-users
 *   (SHA256_EMAIL: hex, 64 characters).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';

export const AUDIENCE_DESTINATIONS = ['meta', 'google', 'tiktok', 'linkedin', 's3'] as const;
export const AudienceDestination = z.enum(AUDIENCE_DESTINATIONS);
export type AudienceDestination = z.infer<typeof AudienceDestination>;

/** The identifiers a profile can give an audience upload (the CLI's JSON-lines fields, camelCased). */
export const IDENTIFIER_FIELDS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'city',
  'state',
  'zip',
  'country',
  'externId',
  'madid',
] as const;
export type IdentifierField = (typeof IDENTIFIER_FIELDS)[number];

/** Raw identifiers of one person; `madidType` says which kind of mobile ad id `madid` is. */
export interface RawIdentifiers {
  readonly email?: string;
  readonly phone?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly city?: string;
  readonly state?: string;
  readonly zip?: string;
  readonly country?: string;
  /** An opaque id of the advertiser's own (a keyed hash of the profile id, never an email). */
  readonly externId?: string;
  readonly madid?: string;
  readonly madidType?: 'idfa' | 'aaid';
}

/** Why a field was not sent. */
export type InvalidReason =
  | 'empty'
  | 'invalid_email'
  | 'invalid_phone'
  | 'phone_without_country_code'
  | 'invalid_name'
  | 'invalid_city'
  | 'invalid_state'
  | 'invalid_zip'
  | 'invalid_country'
  | 'invalid_extern_id'
  | 'invalid_madid'
  | 'madid_type_unknown'
  | 'not_accepted';

/** A field ready to send: `value` is the hash, or the normalised value where the platform wants it unhashed. */
export interface NormalizedField {
  readonly ok: true;
  readonly normalized: string;
  readonly value: string;
  readonly hashed: boolean;
}
export type FieldResult = NormalizedField | { readonly ok: false; readonly reason: InvalidReason };

/** Every field of one person for one destination: what is sent and why the rest is not. */
export interface NormalizedIdentifiers {
  readonly destination: AudienceDestination;
  readonly fields: Readonly<Partial<Record<IdentifierField, NormalizedField>>>;
  readonly invalid: Readonly<Partial<Record<IdentifierField, InvalidReason>>>;
  readonly madidType?: 'idfa' | 'aaid';
}

/** Lowercase hex SHA-256 of the UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** ISO 3166-1 alpha-2, the 249 officially assigned codes. */
const ISO_COUNTRIES = new Set(
  (
    'ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz ' +
    'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr ' +
    'ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo ' +
    'jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ' +
    'ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro ' +
    'rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv ' +
    'tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw'
  ).split(' '),
);

/** US states, DC and territories by name → the 2-letter ANSI (USPS) code Meta asks for. */
const US_STATES: Readonly<Record<string, string>> = Object.fromEntries(
  (
    'alabama:al alaska:ak arizona:az arkansas:ar california:ca colorado:co connecticut:ct ' +
    'delaware:de districtofcolumbia:dc florida:fl georgia:ga hawaii:hi idaho:id illinois:il ' +
    'indiana:in iowa:ia kansas:ks kentucky:ky louisiana:la maine:me maryland:md massachusetts:ma ' +
    'michigan:mi minnesota:mn mississippi:ms missouri:mo montana:mt nebraska:ne nevada:nv ' +
    'newhampshire:nh newjersey:nj newmexico:nm newyork:ny northcarolina:nc northdakota:nd ohio:oh ' +
    'oklahoma:ok oregon:or pennsylvania:pa rhodeisland:ri southcarolina:sc southdakota:sd ' +
    'tennessee:tn texas:tx utah:ut vermont:vt virginia:va washington:wa westvirginia:wv ' +
    'wisconsin:wi wyoming:wy americansamoa:as guam:gu northernmarianaislands:mp puertorico:pr ' +
    'usvirginislands:vi virginislands:vi'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);
const US_STATE_CODES = new Set(Object.values(US_STATES));

const fail = (reason: InvalidReason): FieldResult => ({ ok: false, reason });
const hashed = (normalized: string): FieldResult => ({
  ok: true,
  normalized,
  value: sha256Hex(normalized),
  hashed: true,
});
const plain = (normalized: string): FieldResult => ({
  ok: true,
  normalized,
  value: normalized,
  hashed: false,
});

/** Email: local@domain.tld after the destination's rule, no whitespace left, starting with a letter or digit. */
const EMAIL = /^[\p{L}\p{N}][^\s@]*@[^\s@]+\.[^\s@]+$/u;

function normalizeEmail(destination: AudienceDestination, raw: string): FieldResult {
  // Google: "trim leading, trailing and intermediate whitespace"; everyone else trims the ends.
  let email = (destination === 'google' ? raw.replace(/\s+/g, '') : raw.trim()).toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0) return fail('invalid_email');
  let local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (destination === 'google' && (domain === 'gmail.com' || domain === 'googlemail.com')) {
    // Google only, and only for its own domains: dots and a +suffix do not change the mailbox.
    local = local.split('+')[0]!.replaceAll('.', '');
  } else if (destination === 'tiktok') {
    // TikTok's customer-file rule, for every domain: drop '+' and what follows it up to the '@'.
    local = local.split('+')[0]!;
  }
  email = `${local}@${domain}`;
  return EMAIL.test(email) ? hashed(email) : fail('invalid_email');
}

/**
 * Phone: the digits with their country calling code. Accepted input carries the code: `+374 93 828222`,
 * `0037493828222`, or digits that start with it (`1 (657) 777-0000`). A national number with a trunk
 * `0` (`06 12 34 56 78`) has no code to find without a numbering plan, so it is refused rather than
 * guessed. Google wants E.164 with `+`; Meta, TikTok and the S3 export the digits only.
 */
function normalizePhone(destination: AudienceDestination, raw: string): FieldResult {
  if (destination === 'linkedin') return fail('not_accepted');
  // "Remove symbols, letters and any leading zeroes" (Meta, TikTok): only the digits count.
  const text = raw.trim();
  const international = text.startsWith('+') || text.startsWith('00');
  let digits = text.replace(/\D/g, '');
  if (text.startsWith('00')) digits = digits.replace(/^00/, '');
  if (!international && digits.startsWith('0')) return fail('phone_without_country_code');
  digits = digits.replace(/^0+/, '');
  // E.164: at most 15 digits; fewer than 8 cannot hold a country code and a subscriber number.
  if (digits.length < 8 || digits.length > 15) return fail('invalid_phone');
  return hashed(destination === 'google' ? `+${digits}` : digits);
}

const GOOGLE_PREFIXES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof']);
const GOOGLE_SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md']);

/**
 * Names: NFC (so a precomposed é and e + combining accent hash alike — neither platform names a
 * form; NFKC would also fold look-alikes such as ligatures, which changes letters), lowercase,
 * punctuation and symbols removed, Unicode letters kept ("special characters in UTF-8"), inner
 * whitespace collapsed. Google also asks for no prefix (Mrs.) on given names and no suffix (Jr.) on
 * family names.
 */
function normalizeName(
  destination: AudienceDestination,
  raw: string,
  part: 'firstName' | 'lastName',
): FieldResult {
  if (destination === 'tiktok' || destination === 'linkedin') return fail('not_accepted');
  let words = raw
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (destination === 'google') {
    while (part === 'firstName' && words.length > 1 && GOOGLE_PREFIXES.has(words[0]!)) words = words.slice(1);
    while (part === 'lastName' && words.length > 1 && GOOGLE_SUFFIXES.has(words[words.length - 1]!))
      words = words.slice(0, -1);
  }
  const name = words.join(' ');
  if (name.length === 0 || /\p{N}/u.test(name)) return fail('invalid_name');
  return hashed(name);
}

/** Meta CT: lowercase letters only — no punctuation, digits, special characters or whitespace. */
function normalizeCity(destination: AudienceDestination, raw: string): FieldResult {
  if (destination !== 'meta' && destination !== 's3') return fail('not_accepted');
  const city = raw
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}]/gu, '');
  return city.length > 0 ? hashed(city) : fail('invalid_city');
}

/**
 * Meta ST: a US state as its 2-letter ANSI code (a full name is mapped), lowercase; elsewhere
 * lowercase with no punctuation, special characters or whitespace.
 */
function normalizeState(
  destination: AudienceDestination,
  raw: string,
  country: string | undefined,
): FieldResult {
  if (destination !== 'meta' && destination !== 's3') return fail('not_accepted');
  const state = raw
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}]/gu, '');
  if (state.length === 0) return fail('invalid_state');
  if (country === undefined || country === 'us') {
    const code = US_STATES[state] ?? (US_STATE_CODES.has(state) ? state : undefined);
    if (code) return hashed(code);
    if (country === 'us') return fail('invalid_state');
  }
  return hashed(state);
}

/**
 * Zip: for the US the five digits before any '-' extension (Meta: "use only the first 5 digits";
 * Google accepts 5 digits). Meta (and the S3 export) lowercase, drop whitespace and cut at '-' for
 * every country, as its SDK does. Google sends it unhashed ("don't hash postal_code") and trimmed,
 * keeping a '-' that is part of a foreign code (Japan's 100-0001).
 */
function normalizeZip(
  destination: AudienceDestination,
  raw: string,
  country: string | undefined,
): FieldResult {
  if (destination === 'tiktok' || destination === 'linkedin') return fail('not_accepted');
  const text = raw.trim();
  if (country === 'us') {
    const us = text.replace(/\s+/g, '').split('-')[0]!;
    if (!/^\d{5}(\d{4})?$/.test(us)) return fail('invalid_zip');
    return destination === 'google' ? plain(us.slice(0, 5)) : hashed(us.slice(0, 5));
  }
  if (destination === 'google') {
    return /^[\p{L}\p{N}][\p{L}\p{N} -]{0,11}$/u.test(text)
      ? plain(text.replace(/\s+/g, ' '))
      : fail('invalid_zip');
  }
  const zip = text.toLowerCase().replace(/\s+/g, '').split('-')[0]!;
  return /^[\p{L}\p{N}]{2,10}$/u.test(zip) ? hashed(zip) : fail('invalid_zip');
}

/** The ISO alpha-2 code of a country field, lowercase; undefined when it is not one. */
export function countryCode(raw: string): string | undefined {
  const code = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  return ISO_COUNTRIES.has(code) ? code : undefined;
}

/**
 * Country: ISO 3166-1 alpha-2. Meta and the S3 export hash it lowercase; Google sends `regionCode`
 * unhashed, as the upper-case code its reference shows.
 */
function normalizeCountry(destination: AudienceDestination, raw: string): FieldResult {
  if (destination === 'tiktok' || destination === 'linkedin') return fail('not_accepted');
  const code = countryCode(raw);
  if (!code) return fail('invalid_country');
  return destination === 'google' ? plain(code.toUpperCase()) : hashed(code);
}

/** Meta EXTERN_ID is sent as given (trimmed); the S3 export hashes it like everything else. */
function normalizeExternId(destination: AudienceDestination, raw: string): FieldResult {
  if (destination !== 'meta' && destination !== 's3') return fail('not_accepted');
  const id = raw.trim();
  if (id.length > 200 || /\s/.test(id)) return fail('invalid_extern_id');
  return destination === 'meta' ? plain(id) : hashed(id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Mobile ad ids (IDFA, AAID): lowercase UUIDs with their hyphens. Meta MADID and Google `mobileIds`
 * are sent unhashed; TikTok takes the SHA-256 of the consistently-cased id (IDFA_SHA256 /
 * GAID_SHA256, so it needs to know which); LinkedIn takes an AAID as GOOGLE_AID.
 */
function normalizeMadid(
  destination: AudienceDestination,
  raw: string,
  type: 'idfa' | 'aaid' | undefined,
): FieldResult {
  const id = raw.trim().toLowerCase();
  if (!UUID.test(id) || /^[0-]+$/.test(id)) return fail('invalid_madid');
  if (destination === 'tiktok') return type ? hashed(id) : fail('madid_type_unknown');
  if (destination === 'linkedin') return type === 'aaid' ? plain(id) : fail('not_accepted');
  return destination === 's3' ? hashed(id) : plain(id);
}

/** One field for one destination; `country` (already a code) helps the state and zip rules. */
export function normalizeField(
  destination: AudienceDestination,
  field: IdentifierField,
  raw: string | undefined,
  context: { readonly country?: string; readonly madidType?: 'idfa' | 'aaid' } = {},
): FieldResult {
  if (raw === undefined || raw.trim().length === 0) return fail('empty');
  switch (field) {
    case 'email':
      return normalizeEmail(destination, raw);
    case 'phone':
      return normalizePhone(destination, raw);
    case 'firstName':
    case 'lastName':
      return normalizeName(destination, raw, field);
    case 'city':
      return normalizeCity(destination, raw);
    case 'state':
      return normalizeState(destination, raw, context.country);
    case 'zip':
      return normalizeZip(destination, raw, context.country);
    case 'country':
      return normalizeCountry(destination, raw);
    case 'externId':
      return normalizeExternId(destination, raw);
    case 'madid':
      return normalizeMadid(destination, raw, context.madidType);
  }
}

/** Every given field of one person for one destination; absent fields are neither sent nor counted. */
export function normalizeIdentifiers(
  destination: AudienceDestination,
  raw: RawIdentifiers,
): NormalizedIdentifiers {
  const fields: Partial<Record<IdentifierField, NormalizedField>> = {};
  const invalid: Partial<Record<IdentifierField, InvalidReason>> = {};
  const country = raw.country === undefined ? undefined : countryCode(raw.country);
  const context = { ...(country ? { country } : {}), ...(raw.madidType ? { madidType: raw.madidType } : {}) };
  for (const field of IDENTIFIER_FIELDS) {
    const value = raw[field];
    if (value === undefined) continue;
    const result = normalizeField(destination, field, value, context);
    if (result.ok) fields[field] = result;
    else invalid[field] = result.reason;
  }
  return { destination, fields, invalid, ...(raw.madidType ? { madidType: raw.madidType } : {}) };
}

/** Whether a person has at least one field the destination matches on. */
export function hasMatchKey(identifiers: NormalizedIdentifiers): boolean {
  const f = identifiers.fields;
  if (f.email || f.phone || f.madid || f.externId) return true;
  // A name matches only with where the person lives (Meta: FN+LN+ZIP/CT; Google: all four address parts).
  if (identifiers.destination === 'google') return !!(f.firstName && f.lastName && f.zip && f.country);
  return !!(f.firstName && f.lastName && (f.zip || f.city));
}
