import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createUnsubscribeHandler } from '../../../functions/unsubscribe/app.js';
import { signPreferencesToken, signUnsubscribeToken } from '../../../shared/domain/channels/tokens.js';
import type { Recipient } from '../../../shared/ports/channels.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent } from '../ingest/support.js';
import { MemorySuppressions, NOON_NY, recipient, SECRET } from './support.js';

const ctx = {} as Context;
const exp = Math.floor(NOON_NY.getTime() / 1000) + 86_400;

function setup(people: Recipient[]) {
  const withdrawals: string[] = [];
  const byId = new Map(people.map((p) => [p.profileId, p]));
  const handler = createUnsubscribeHandler(
    {
      consent: { withdraw: async (p, c, source) => void withdrawals.push(`${p}:${c}:${source}`) },
      suppressions: new MemorySuppressions(),
      recipients: { getRecipient: async (id) => byId.get(id) },
      secret: SECRET,
      now: () => NOON_NY,
    },
    silentLogger,
  );
  const call = async (
    path: string,
    body: string | undefined,
    method: string,
    query?: Record<string, string>,
  ) =>
    (await handler(
      apiEvent(path, body, { method, ...(query ? { query } : {}) }),
      ctx,
    )) as APIGatewayProxyStructuredResultV2;
  return { call, withdrawals };
}

describe('preference page', () => {
  it('lists the marketing channels, and each subscribed one’s form unsubscribes that channel', async () => {
    const s = setup([recipient({ consent: { email: true, sms: false }, pushTokens: [] })]);
    const token = signPreferencesToken(SECRET, { profileId: 'prof-1', exp });
    const res = await s.call('/v1/unsubscribe', undefined, 'GET', { view: 'preferences', token });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    const body = String(res.body);
    expect(body).toContain('data-channel="email" data-subscribed="true"');
    expect(body).toContain('data-channel="sms" data-subscribed="false"');
    expect(body).not.toContain('data-channel="push"');
    const action = /action="\?token=([^"]+)"/.exec(body)?.[1] ?? '';
    const post = await s.call('/v1/unsubscribe', undefined, 'POST', { token: decodeURIComponent(action) });
    expect(post.statusCode).toBe(200);
    expect(s.withdrawals).toEqual(['prof-1:email:unsubscribe_form']);
  });

  it('answers a bad, expired or missing token with 400 and its code, and an unsubscribe token is not one', async () => {
    const s = setup([recipient()]);
    const cases: [Record<string, string> | undefined, string][] = [
      [{ token: 'nope' }, 'invalid_token'],
      [{ token: signPreferencesToken(SECRET, { profileId: 'prof-1', exp: 1 }) }, 'expired_token'],
      [
        { token: signUnsubscribeToken(SECRET, { profileId: 'prof-1', channel: 'email', exp }) },
        'invalid_token',
      ],
      [undefined, 'missing_token'],
    ];
    for (const [query, code] of cases) {
      const res = await s.call('/v1/unsubscribe', undefined, 'GET', { view: 'preferences', ...query });
      expect(res.statusCode).toBe(400);
      expect(res.headers?.['x-feltfit-error']).toBe(code);
    }
  });

  it('holds nothing for a person who no longer exists', async () => {
    const s = setup([]);
    const token = signPreferencesToken(SECRET, { profileId: 'gone', exp });
    const res = await s.call('/v1/unsubscribe', undefined, 'GET', { view: 'preferences', token });
    expect(res.statusCode).toBe(200);
    expect(String(res.body)).toContain('no marketing preferences');
  });
});
