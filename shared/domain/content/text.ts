/**
 * Text helpers for the content checks: normalisation that defeats width, homoglyph, accent and
 * zero-width tricks, phrase matching on word boundaries, and SMS segment counting.
 */

// Zero-width and invisible formatting characters that split a word without showing (combining
// joiners and variation selectors are marks, removed with the accents below).
const INVISIBLE =
  /[\u00AD\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFEFF\uFFA0]/gu;

// Cyrillic and Greek letters that look like Latin ones (after lower-casing).
const CONFUSABLES: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  һ: 'h',
  ԛ: 'q',
  ԝ: 'w',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
  ϳ: 'j',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');

/**
 * Canonical form for matching: NFKC (full-width and compatibility forms → ASCII), invisible
 * characters removed, lower-cased, accents stripped, look-alike letters mapped to Latin.
 */
export function normaliseForMatch(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(CONFUSABLE_RE, (c) => CONFUSABLES[c] ?? c)
    .normalize('NFC');
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * A regex for a phrase (already normalised by the caller's input), matched case-insensitively on
 * word boundaries where the phrase starts or ends with a letter or digit; spaces and hyphens match
 * any run of whitespace or hyphens; a trailing `*` matches any word ending.
 */
export function phraseRegex(phrase: string): RegExp {
  const cached = regexCache.get(phrase);
  if (cached) return cached;
  const built = buildPhraseRegex(phrase);
  if (regexCache.size < 10_000) regexCache.set(phrase, built);
  return built;
}

// Playbooks repeat the same few hundred phrases on every check: compile each once.
const regexCache = new Map<string, RegExp>();

function buildPhraseRegex(phrase: string): RegExp {
  const wildcard = phrase.endsWith('*');
  const core = normaliseForMatch(wildcard ? phrase.slice(0, -1) : phrase).trim();
  const body = core
    .split(/[\s-]+/)
    .map(escapeRegex)
    .join('[\\s\\-]+');
  const pre = isWordChar(core[0]) ? '(?<![\\p{L}\\p{N}])' : '';
  const post = wildcard ? '[\\p{L}\\p{N}]*' : isWordChar(core[core.length - 1]) ? '(?![\\p{L}\\p{N}])' : '';
  return new RegExp(`${pre}${body}${post}`, 'u');
}

/** The first phrase of the list that occurs in the (raw) text, or undefined. */
export function findPhrase(text: string, phrases: readonly string[]): string | undefined {
  return findPhraseNormalised(normaliseForMatch(text), phrases);
}

/** As findPhrase, on text already passed through normaliseForMatch. */
export function findPhraseNormalised(normalised: string, phrases: readonly string[]): string | undefined {
  return phrases.find((p) => phraseRegex(p).test(normalised));
}

// GSM 03.38 basic character set (one septet) and its extension table (two septets: ESC + char).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/** How an SMS text is encoded and how many segments it takes. */
export interface SmsSegments {
  readonly encoding: 'GSM-7' | 'UCS-2';
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  readonly units: number;
  readonly segments: number;
}

/**
 * Segments of an SMS: GSM-7 when every character is in the GSM 03.38 tables (160 septets single,
 * 153 per part when concatenated; extension characters count two), else UCS-2 (70 / 67 code units).
 */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    return { encoding: 'GSM-7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = text.length;
  return { encoding: 'UCS-2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
