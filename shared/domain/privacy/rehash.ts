/**
 * Step 2 of a hash key rotation (docs/privacy.md §8): what of a profile can be moved from an older key
 * to the current one. Every keyed item is found again from the clear identifier or address that only the
 * profile item holds — identity pointers, tombstones of identifiers a profile holds again, suppressions
 * of its addresses — so what no profile holds stays under the key that wrote it. Pure: the adapter
 * reads and writes.
 */
import { addressHashes } from '../channels/hashing.js';
import { identifierHashes } from '../profiles/identifiers.js';
import type { ProfileState } from '../profiles/state.js';
import { type KeyedHasher, keyIdOf } from './keyed-hash.js';

/** The kinds of keyed item a rehash moves. */
export const REHASH_KINDS = ['pointers', 'tombstones', 'suppressions'] as const;
export type RehashKind = (typeof REHASH_KINDS)[number];

/** One keyed item's partition key under the current key and under each older key of the keyring. */
export interface RehashMove {
  readonly kind: RehashKind;
  /** Partition key under the current key: where the item belongs. */
  readonly to: string;
  /** Partition keys under the older keys: what is moved to `to`, then deleted. */
  readonly from: readonly string[];
}

/** The partition keys of a profile's keyed items, current and older (none when the keyring has one key). */
export function rehashMoves(state: ProfileState, hasher: KeyedHasher): RehashMove[] {
  if (hasher.keyIds.length < 2) return [];
  const moves: RehashMove[] = [];
  const add = (kind: RehashKind, pks: readonly string[]) => {
    const [to, ...from] = pks;
    if (to !== undefined) moves.push({ kind, to, from });
  };
  for (const [type, values] of Object.entries(state.identities) as [
    keyof ProfileState['identities'],
    string[],
  ][])
    for (const value of values) {
      const hashes = identifierHashes({ type, value }, hasher);
      add(
        'pointers',
        hashes.map((h) => `ID#${type}#${h}`),
      );
      // A tombstone of an identifier a profile holds again: the person came back with consent.
      add(
        'tombstones',
        hashes.map((h) => `TOMBSTONE#${type}#${h}`),
      );
    }
  for (const email of state.identities.email)
    add(
      'suppressions',
      addressHashes(hasher, 'email', email).map((h) => `SUP#A#${h}`),
    );
  for (const phone of state.identities.phone)
    add(
      'suppressions',
      addressHashes(hasher, 'phone', phone).map((h) => `SUP#A#${h}`),
    );
  return moves;
}

/** Keyed items per kind and key id (`unkeyed` for a hash without a key id, written before keying). */
export type KeyCounts = Record<RehashKind, Record<string, number>>;

/** Empty counts. */
export const noKeyCounts = (): KeyCounts => ({ pointers: {}, tombstones: {}, suppressions: {} });

/** The kind and key id of a keyed item's partition key; undefined for any other item. */
export function keyedItemOf(pk: string): { readonly kind: RehashKind; readonly keyId: string } | undefined {
  const m = /^(ID|TOMBSTONE)#[A-Za-z]+#(.+)$/.exec(pk) ?? /^SUP#(A)#(.+)$/.exec(pk);
  if (!m) return undefined;
  const kind: RehashKind = m[1] === 'ID' ? 'pointers' : m[1] === 'TOMBSTONE' ? 'tombstones' : 'suppressions';
  return { kind, keyId: keyIdOf(m[2]!) ?? 'unkeyed' };
}

/** Why items stay under an older key after a rehash (printed with the counts). */
export const LEFT_REASONS: Readonly<Record<RehashKind, string>> = {
  pointers: 'identifiers no profile holds (a profile erased or rewritten while the rehash ran: run it again)',
  tombstones:
    'identifiers of erased people, kept only as hashes: they block late events only while their key stays in the keyring',
  suppressions: 'addresses no profile holds: they suppress sends only while their key stays in the keyring',
};
