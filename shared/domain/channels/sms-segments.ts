/**
 * SMS segment counting. GSM-7 messages hold 160 septets in one segment or 153 per segment when
 * concatenated; characters of the extension table take two septets (escape + char) and are never split
 * across segments. Anything outside GSM-7 is sent as UCS-2: 70 UTF-16 units alone or 67 per segment,
 * never splitting a surrogate pair.
 */

const GSM7_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
const GSM7_EXTENSION = new Set(Array.from('^{}\\[~]|€\f'));

/** The encoding an SMS of this text needs. */
export function smsEncoding(text: string): 'GSM-7' | 'UCS-2' {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return 'UCS-2';
  return 'GSM-7';
}

function pack(sizes: number[], single: number, multi: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return segments;
}

/** Number of SMS segments the text is billed as (0 for empty text). */
export function smsSegments(text: string): number {
  const chars = Array.from(text);
  if (smsEncoding(text) === 'GSM-7')
    return pack(
      chars.map((c) => (GSM7_EXTENSION.has(c) ? 2 : 1)),
      160,
      153,
    );
  return pack(
    chars.map((c) => c.length),
    70,
    67,
  );
}
