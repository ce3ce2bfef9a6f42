/**
 * One-click and form unsubscribe: verify the signed token, record the withdrawal, suppress. The
 * preference page: verify its token and list the person's marketing channels.
 */
import { Channel } from '../../config/channels.js';
import type { ConsentRecorder, RecipientSource, SuppressionList } from '../../ports/channels.js';
import { InvalidRequestError } from '../errors.js';
import {
  type PreferencesClaims,
  signUnsubscribeToken,
  type UnsubscribeClaims,
  verifyPreferencesToken,
  verifyUnsubscribeToken,
} from './tokens.js';

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

function tokenError(code: 'malformed' | 'bad_signature' | 'expired', what: string): InvalidRequestError {
  if (code === 'expired') return new InvalidRequestError('expired_token', `the ${what} link has expired`);
  return new InvalidRequestError('invalid_token', `the ${what} link is not valid`);
}

/** Verifies a preference-page token; throws InvalidRequestError with the same codes as unsubscribe. */
export function preferencesClaimsOf(secret: string, token: string | undefined, now: Date): PreferencesClaims {
  if (!token) throw new InvalidRequestError('missing_token', 'the preferences link has no token');
  const verified = verifyPreferencesToken(secret, token, now);
  if (verified.ok) return verified.value;
  throw tokenError(verified.code, 'preferences');
}

/** One marketing channel on the preference page. */
export interface ChannelPreference {
  readonly channel: Channel;
  /** Marketing consent given and not withdrawn. */
  readonly subscribed: boolean;
  /** A token for `/v1/unsubscribe` of this channel, when subscribed; it expires with the page's. */
  readonly unsubscribeToken?: string;
}

/**
 * The preference page of the token's person: every marketing channel they can be reached on (or have
 * consented to), subscribed or not. `found: false` when the profile no longer exists (e.g. erased).
 */
export async function preferencesOf(
  deps: { readonly recipients: RecipientSource; readonly secret: string; readonly now: () => Date },
  token: string | undefined,
): Promise<{ found: boolean; channels: ChannelPreference[] }> {
  const claims = preferencesClaimsOf(deps.secret, token, deps.now());
  const person = await deps.recipients.getRecipient(claims.profileId);
  if (!person) return { found: false, channels: [] };
  const reachable: Record<Channel, boolean> = {
    email: person.email !== undefined,
    sms: person.phone !== undefined,
    push: (person.pushTokens?.length ?? 0) > 0,
    inApp: true,
  };
  const channels = Channel.options
    .filter((c) => reachable[c] || person.consent[c] !== undefined)
    .map((channel): ChannelPreference => {
      const subscribed = person.consent[channel] === true;
      if (!subscribed) return { channel, subscribed };
      const unsubscribeToken = signUnsubscribeToken(deps.secret, {
        profileId: claims.profileId,
        channel,
        exp: claims.exp,
      });
      return { channel, subscribed, unsubscribeToken };
    });
  return { found: true, channels };
}
