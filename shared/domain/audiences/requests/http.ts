/**
 * What the request builders produce: a platform request without credentials (the adapter adds the
 * token), and the indices of the members it carries so that an answer maps back to rows.
 */
import type { AudienceMember } from '../../../ports/audiences.js';
import { type AudienceDestination, hasMatchKey } from '../normalize.js';

export interface DestinationRequest {
  readonly method: 'POST' | 'DELETE';
  readonly url: string;
  /** Non-secret headers (API version, Rest.li method); the adapter adds authorisation. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Indices, in the members passed, of the rows this request carries, in body order. */
  readonly indices: readonly number[];
}

/** The requests of one operation, and the members left out because nothing of theirs matches. */
export interface BuiltRequests {
  readonly requests: readonly DestinationRequest[];
  readonly skipped: readonly number[];
}

/** A member normalised for another destination was passed: its values follow the wrong rules. */
export class WrongDestinationError extends Error {
  override readonly name = 'WrongDestinationError';
}

/** Splits members into batches of at most `size`, keeping each member's index, after dropping those without a match key. */
export function batches(
  destination: AudienceDestination,
  members: readonly AudienceMember[],
  size: number,
  usable: (member: AudienceMember) => boolean = (m) => hasMatchKey(m.identifiers),
): {
  readonly batches: readonly (readonly { member: AudienceMember; index: number }[])[];
  readonly skipped: number[];
} {
  const kept: { member: AudienceMember; index: number }[] = [];
  const skipped: number[] = [];
  members.forEach((member, index) => {
    if (member.identifiers.destination !== destination)
      throw new WrongDestinationError(
        `member ${index} was normalised for ${member.identifiers.destination}, not ${destination}`,
      );
    if (usable(member)) kept.push({ member, index });
    else skipped.push(index);
  });
  const out: { member: AudienceMember; index: number }[][] = [];
  for (let i = 0; i < kept.length; i += size) out.push(kept.slice(i, i + size));
  return { batches: out, skipped };
}
