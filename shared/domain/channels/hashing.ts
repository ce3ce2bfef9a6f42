/** Normalisation and hashing of contact addresses: suppression keys never hold them in clear. */
import { createHash } from 'node:crypto';

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

/** SHA-256 of the normalised address with a kind prefix, hex. */
export function addressHash(kind: 'email' | 'phone' | 'push', address: string): string {
  const value =
    kind === 'email' ? normaliseEmail(address) : kind === 'phone' ? normalisePhone(address) : address.trim();
  return createHash('sha256').update(`${kind}:${value}`, 'utf8').digest('hex');
}
