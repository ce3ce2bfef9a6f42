/**
 * HMAC-signed tokens: `base64url(payload).base64url(HMAC-SHA256(secret, base64url(payload)))`, verified in
 * constant time. Unsubscribe links carry `u1.<channel>.<exp>.<profileId>`, preference-page links
 * `p1.<exp>.<profileId>` (the page signs per-channel unsubscribe tokens itself); the in-app inbox token, which
 * the customer's backend signs, carries `<profileId>.<exp>` (exp in epoch seconds).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { Channel } from '../../config/channels.js';
import { MIN_SECRET_LENGTH } from './secret-length.js';

export type TokenFailure = 'malformed' | 'bad_signature' | 'expired';
export type Verified<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: TokenFailure };

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data, 'utf8').digest();
}

/** Signs a payload. */
export function signPayload(secret: string, payload: string): string {
  const body = Buffer.from(payload, 'utf8').toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** Verifies a token's signature in constant time and returns its payload. */
export function verifyPayload(secret: string, token: string): Verified<string> {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || token.length > 4096)
    return { ok: false, code: 'malformed' };
  const [body, sig] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(sig))
    return { ok: false, code: 'malformed' };
  const expected = mac(secret, body);
  const given = Buffer.from(sig, 'base64url');
  // timingSafeEqual needs equal lengths; the length of an HMAC is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'bad_signature' };
  }
  return { ok: true, value: Buffer.from(body, 'base64url').toString('utf8') };
}

export interface UnsubscribeClaims {
  readonly profileId: string;
  readonly channel: Channel;
  /** Epoch seconds. */
  readonly exp: number;
}

/** The signed token of an unsubscribe link. */
export function signUnsubscribeToken(secret: string, claims: UnsubscribeClaims): string {
  return signPayload(secret, `u1.${claims.channel}.${claims.exp}.${claims.profileId}`);
}

/** Verifies an unsubscribe token: signature, shape and expiry. */
export function verifyUnsubscribeToken(
  secret: string,
  token: string,
  now: Date,
): Verified<UnsubscribeClaims> {
  const payload = verifyPayload(secret, token);
  if (!payload.ok) return payload;
  const match = /^u1\.([A-Za-z]+)\.(\d{1,12})\.(.+)$/s.exec(payload.value);
  const channel = Channel.safeParse(match?.[1]);
  if (!match || !channel.success) return { ok: false, code: 'malformed' };
  const exp = Number(match[2]);
  if (exp * 1000 <= now.getTime()) return { ok: false, code: 'expired' };
  return { ok: true, value: { profileId: match[3]!, channel: channel.data, exp } };
}

/** Claims of a preference-page link: whose preferences, until when (epoch seconds). */
export interface PreferencesClaims {
  readonly profileId: string;
  readonly exp: number;
}

/** The signed token of a preference-page link. */
export function signPreferencesToken(secret: string, claims: PreferencesClaims): string {
  return signPayload(secret, `p1.${claims.exp}.${claims.profileId}`);
}

/** Verifies a preference-page token: signature, shape and expiry. */
export function verifyPreferencesToken(
  secret: string,
  token: string,
  now: Date,
): Verified<PreferencesClaims> {
  const payload = verifyPayload(secret, token);
  if (!payload.ok) return payload;
  const match = /^p1\.(\d{1,12})\.(.+)$/s.exec(payload.value);
  if (!match) return { ok: false, code: 'malformed' };
  const exp = Number(match[1]);
  if (exp * 1000 <= now.getTime()) return { ok: false, code: 'expired' };
  return { ok: true, value: { profileId: match[2]!, exp } };
}

/** Signs an inbox token (what the customer's backend does; used by tests and tools). */
export function signInboxToken(secret: string, profileId: string, exp: number): string {
  return signPayload(secret, `${profileId}.${exp}`);
}

/** Verifies an inbox token and returns the profile it grants. */
export function verifyInboxToken(
  secret: string,
  token: string,
  now: Date,
): Verified<{ profileId: string; exp: number }> {
  const payload = verifyPayload(secret, token);
  if (!payload.ok) return payload;
  const match = /^(.+)\.(\d{1,12})$/s.exec(payload.value);
  if (!match?.[1]) return { ok: false, code: 'malformed' };
  const exp = Number(match[2]);
  if (exp * 1000 <= now.getTime()) return { ok: false, code: 'expired' };
  return { ok: true, value: { profileId: match[1], exp } };
}

/** A signing secret, rejected when too short to be safe. */
export const SigningSecret = z.string().min(MIN_SECRET_LENGTH);
