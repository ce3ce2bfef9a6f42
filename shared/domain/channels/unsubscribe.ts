/** One-click and form unsubscribe: verify the signed token, record the withdrawal, suppress. */
import type { ConsentRecorder, SuppressionList } from '../../ports/channels.js';
import { InvalidRequestError } from '../errors.js';
import { type UnsubscribeClaims, verifyUnsubscribeToken } from './tokens.js';

export interface UnsubscribeDeps {
  readonly consent: ConsentRecorder;
  readonly suppressions: Pick<SuppressionList, 'suppress'>;
  readonly secret: string;
  readonly now: () => Date;
}

/** Verifies a token; throws InvalidRequestError (`invalid_token` / `expired_token`) otherwise. */
export function claimsOf(secret: string, token: string | undefined, now: Date): UnsubscribeClaims {
  if (!token) throw new InvalidRequestError('missing_token', 'the unsubscribe link has no token');
  const verified = verifyUnsubscribeToken(secret, token, now);
  if (verified.ok) return verified.value;
  if (verified.code === 'expired')
    throw new InvalidRequestError('expired_token', 'the unsubscribe link has expired');
  throw new InvalidRequestError('invalid_token', 'the unsubscribe link is not valid');
}

/** Records the withdrawal of marketing consent for the token's channel and suppresses it. */
export async function unsubscribe(
  deps: UnsubscribeDeps,
  token: string | undefined,
  source: 'one_click' | 'form',
): Promise<UnsubscribeClaims> {
  const now = deps.now();
  const claims = claimsOf(deps.secret, token, now);
  await deps.consent.withdraw(claims.profileId, claims.channel, `unsubscribe_${source}`, now);
  await deps.suppressions.suppress(
    { profileId: claims.profileId },
    {
      reason: 'unsubscribe',
      channel: claims.channel,
      at: now.toISOString(),
      source: `unsubscribe_${source}`,
    },
  );
  return claims;
}
