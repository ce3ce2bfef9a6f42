/** Audience members for the audience tests: normalised for one destination, with Google consent when given. */
import {
  type AudienceDestination,
  normalizeIdentifiers,
  type RawIdentifiers,
} from '../../../shared/domain/audiences/normalize.js';
import type { AudienceMember } from '../../../shared/ports/audiences.js';

export const member = (
  destination: AudienceDestination,
  raw: RawIdentifiers,
  consent?: AudienceMember['consent'],
): AudienceMember => ({
  identifiers: normalizeIdentifiers(destination, raw),
  ...(consent ? { consent } : {}),
});

/** `n` people with distinct emails. */
export const many = (destination: AudienceDestination, n: number) =>
  Array.from({ length: n }, (_, i) => member(destination, { email: `person${i}@example.com` }));
