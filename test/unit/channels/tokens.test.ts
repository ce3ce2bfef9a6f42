import { describe, expect, it } from 'vitest';
import {
  signInboxToken,
  signUnsubscribeToken,
  verifyInboxToken,
  verifyUnsubscribeToken,
} from '../../../shared/domain/channels/tokens.js';
import { SECRET } from './support.js';

const NOW = new Date('2024-05-14T12:00:00Z');
const exp = Math.floor(NOW.getTime() / 1000) + 3600;

describe('unsubscribe tokens', () => {
  it('round-trip the profile, channel and expiry, even for profile ids with dots', () => {
    const token = signUnsubscribeToken(SECRET, { profileId: 'p.1.x', channel: 'email', exp });
    expect(verifyUnsubscribeToken(SECRET, token, NOW)).toEqual({
      ok: true,
      value: { profileId: 'p.1.x', channel: 'email', exp },
    });
  });

  it('reject a token whose payload was changed', () => {
    const token = signUnsubscribeToken(SECRET, { profileId: 'p1', channel: 'email', exp });
    const [, sig] = token.split('.');
    const forged = `${Buffer.from(`u1.email.${exp}.p2`).toString('base64url')}.${sig}`;
    expect(verifyUnsubscribeToken(SECRET, forged, NOW)).toEqual({ ok: false, code: 'bad_signature' });
  });

  it('reject a token signed with another secret or with a flipped signature bit', () => {
    const token = signUnsubscribeToken(`${SECRET}x`, { profileId: 'p1', channel: 'sms', exp });
    expect(verifyUnsubscribeToken(SECRET, token, NOW)).toMatchObject({ ok: false, code: 'bad_signature' });
    const good = signUnsubscribeToken(SECRET, { profileId: 'p1', channel: 'sms', exp });
    const last = good.at(-2) === 'A' ? 'B' : 'A';
    expect(verifyUnsubscribeToken(SECRET, `${good.slice(0, -2)}${last}${good.at(-1)}`, NOW)).toMatchObject({
      ok: false,
    });
  });

  it('reject an expired token', () => {
    const token = signUnsubscribeToken(SECRET, {
      profileId: 'p1',
      channel: 'email',
      exp: Math.floor(NOW.getTime() / 1000),
    });
    expect(verifyUnsubscribeToken(SECRET, token, NOW)).toEqual({ ok: false, code: 'expired' });
  });

  it.each(['', 'abc', 'a.b.c', '!!.??', `${'a'.repeat(5000)}.b`])(
    'reject the malformed token %j',
    (token) => {
      expect(verifyUnsubscribeToken(SECRET, token, NOW)).toMatchObject({ ok: false, code: 'malformed' });
    },
  );

  it('do not accept an inbox token as an unsubscribe token', () => {
    expect(verifyUnsubscribeToken(SECRET, signInboxToken(SECRET, 'p1', exp), NOW)).toEqual({
      ok: false,
      code: 'malformed',
    });
  });
});

describe('inbox tokens', () => {
  it('use the documented format base64url(profileId.exp).base64url(hmac)', async () => {
    const { createHmac } = await import('node:crypto');
    const body = Buffer.from(`p1.${exp}`).toString('base64url');
    const token = `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
    expect(signInboxToken(SECRET, 'p1', exp)).toBe(token);
    expect(verifyInboxToken(SECRET, token, NOW)).toEqual({ ok: true, value: { profileId: 'p1', exp } });
  });

  it('reject expired inbox tokens', () => {
    expect(verifyInboxToken(SECRET, signInboxToken(SECRET, 'p1', 1), NOW)).toEqual({
      ok: false,
      code: 'expired',
    });
  });
});
