/** Normalisation and hashing of contact addresses: suppression keys never hold them in clear. */
import type { KeyedHasher } from '../privacy/keyed-hash.js';

/** Email lower-cased and trimmed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Phone reduced to `+` and digits (E.164 when the input was E.164 with punctuation). */
export function normalisePhone(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, '');
  return trimmed.startsWith('+') || trimmed.startsWith('00') ? `+${digits.replace(/^00/, '')}` : `+${digits}`;
}

type AddressKind = 'email' | 'phone' | 'push';

const addressText = (kind: AddressKind, address: string) =>
  `${kind}:${kind === 'email' ? normaliseEmail(address) : kind === 'phone' ? normalisePhone(address) : address.trim()}`;

/** Keyed hash of the normalised address with a kind prefix, under the current key: what a suppression stores. */
export function addressHash(hasher: KeyedHasher, kind: AddressKind, address: string): string {
  return hasher.hash(addressText(kind, address));
}

/** The address's hash under every key, current first: what a suppression lookup tries during a rotation. */
export function addressHashes(hasher: KeyedHasher, kind: AddressKind, address: string): string[] {
  return hasher.candidates(addressText(kind, address));
}
