/**
 * The transactional outbox of the profiles table. A projector commit writes the domain events it
 * produced into the profile item's `outbox` attribute (a JSON string, replaced by each commit,
 * removed by a commit or any other write that produced none), in the same write as the profile
 * change. The table's stream carries each version of the item, so the events of a commit are in
 * exactly one stream record's NewImage; the outbox publisher reads them from there. The item stays
 * bounded: it holds the last commit's events only.
 *
 * The events ride the profile write, so their bytes are billed with it (a write unit per started
 * KB, twice in a transaction): a value is stored Brotli-compressed, base64 after `br:`, when that is
 * shorter than the JSON (a commit of several events: about half), and as the JSON otherwise (a lone
 * ProfileUpdated). It stays a string so the publisher's filter (`outbox.S` exists) is unchanged.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import type { OutboxEvent } from '../../ports/domain-events.js';

/** Attribute of the profile item holding the last commit's domain events. */
export const OUTBOX_ATTRIBUTE = 'outbox';
/** Marks a compressed value (JSON starts with `[`). */
const COMPRESSED = 'br:';

/** The attribute value for a commit's events (undefined: remove the attribute). */
export function encodeOutbox(events: readonly OutboxEvent[]): string | undefined {
  if (events.length === 0) return undefined;
  const json = JSON.stringify(events);
  const packed =
    COMPRESSED +
    brotliCompressSync(Buffer.from(json, 'utf8'), {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: json.length },
    }).toString('base64');
  return packed.length < json.length ? packed : json;
}

/** The outbox events of an unmarshalled profile item (a stream NewImage); [] when it holds none. */
export function outboxOf(item: Readonly<Record<string, unknown>>): OutboxEvent[] {
  const raw = item[OUTBOX_ATTRIBUTE];
  if (typeof raw !== 'string' || raw === '') return [];
  const json = raw.startsWith(COMPRESSED)
    ? brotliDecompressSync(Buffer.from(raw.slice(COMPRESSED.length), 'base64')).toString('utf8')
    : raw;
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (e): e is OutboxEvent =>
      e !== null &&
      typeof e === 'object' &&
      typeof (e as { type?: unknown }).type === 'string' &&
      typeof (e as { eventId?: unknown }).eventId === 'string',
  );
}
