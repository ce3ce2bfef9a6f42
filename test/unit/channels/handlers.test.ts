import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createInboxHandler } from '../../../functions/inbox/app.js';
import {
  createSendHandler,
  InvalidSendRequestError,
  ProviderThrottledError,
} from '../../../functions/send/app.js';
import { createUnsubscribeHandler } from '../../../functions/unsubscribe/app.js';
import { signInboxToken, signUnsubscribeToken } from '../../../shared/domain/channels/tokens.js';
import type { InboxMessage, InboxStore } from '../../../shared/ports/channels.js';
import { silentLogger } from '../../support/logger.js';
import { apiEvent } from '../ingest/support.js';
import { MemorySuppressions, memorySendDeps, NOON_NY, request, SECRET } from './support.js';

const ctx = {} as Context;
const exp = Math.floor(NOON_NY.getTime() / 1000) + 86_400;

function unsubscribeSetup() {
  const suppressions = new MemorySuppressions();
  const withdrawals: string[] = [];
  const handler = createUnsubscribeHandler(
    {
      consent: { withdraw: async (p, c, source) => void withdrawals.push(`${p}:${c}:${source}`) },
      suppressions,
      secret: SECRET,
      now: () => NOON_NY,
    },
    silentLogger,
  );
  return { handler, suppressions, withdrawals };
}

const token = signUnsubscribeToken(SECRET, { profileId: 'prof-1', channel: 'email', exp });

describe('unsubscribe endpoint', () => {
  it('shows a confirmation form on GET and does not unsubscribe', async () => {
    const s = unsubscribeSetup();
    const res = (await s.handler(
      apiEvent('/v1/unsubscribe', undefined, { method: 'GET', query: { token } }),
      ctx,
    )) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/<form method="post"/);
    expect(s.withdrawals).toEqual([]);
    expect(s.suppressions.byKey.size).toBe(0);
  });

  it('unsubscribes on the RFC 8058 one-click POST', async () => {
    const s = unsubscribeSetup();
    const event = apiEvent('/v1/unsubscribe', 'List-Unsubscribe=One-Click', {
      query: { token },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const res = (await s.handler(event, ctx)) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(200);
    expect(s.withdrawals).toEqual(['prof-1:email:unsubscribe_one_click']);
    expect(s.suppressions.byKey.get('P#prof-1')).toEqual([
      expect.objectContaining({ reason: 'unsubscribe', channel: 'email' }),
    ]);
  });

  it('unsubscribes from the form post with the token in the body', async () => {
    const s = unsubscribeSetup();
    const res = (await s.handler(
      apiEvent('/v1/unsubscribe', `token=${encodeURIComponent(token)}`),
      ctx,
    )) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(200);
    expect(s.withdrawals).toEqual(['prof-1:email:unsubscribe_form']);
  });

  it.each([
    ['a tampered token', `${token.slice(0, -3)}AAA`, 'invalid_token'],
    [
      'an expired token',
      signUnsubscribeToken(SECRET, { profileId: 'p', channel: 'email', exp: 10 }),
      'expired_token',
    ],
    ['no token', undefined, 'missing_token'],
  ])('answers 400 with a code for %s', async (_name, t, code) => {
    const s = unsubscribeSetup();
    const query = t ? { token: t } : undefined;
    const post = (await s.handler(
      apiEvent('/v1/unsubscribe', 'List-Unsubscribe=One-Click', query ? { query } : {}),
      ctx,
    )) as APIGatewayProxyStructuredResultV2;
    expect(post.statusCode).toBe(400);
    expect(JSON.parse(post.body ?? '{}')).toMatchObject({ error: { code } });
    const get = (await s.handler(
      apiEvent('/v1/unsubscribe', undefined, { method: 'GET', ...(query ? { query } : {}) }),
      ctx,
    )) as APIGatewayProxyStructuredResultV2;
    expect(get.statusCode).toBe(400);
    expect(get.headers?.['x-feltfit-error']).toBe(code);
    expect(s.withdrawals).toEqual([]);
  });
});

class MemoryInbox implements InboxStore {
  readonly items: InboxMessage[] = [];
  async put(m: InboxMessage) {
    this.items.push(m);
  }
  async list(profileId: string) {
    return { messages: this.items.filter((m) => m.profileId === profileId) };
  }
  async markRead(profileId: string, messageId: string, at: string) {
    const i = this.items.findIndex((m) => m.profileId === profileId && m.messageId === messageId);
    if (i === -1) return false;
    this.items[i] = { ...this.items[i]!, readAt: at };
    return true;
  }
}

describe('inbox endpoint', () => {
  const inbox = new MemoryInbox();
  void inbox.put({
    messageId: 'm1',
    profileId: 'prof-1',
    title: 'T',
    body: 'B',
    journey: 'j',
    variantId: 'v',
    createdAt: NOON_NY.toISOString(),
  });
  void inbox.put({
    messageId: 'm2',
    profileId: 'prof-2',
    title: 'X',
    body: 'Y',
    journey: 'j',
    variantId: 'v',
    createdAt: NOON_NY.toISOString(),
  });
  const handler = createInboxHandler({ inbox, secret: SECRET, now: () => NOON_NY }, silentLogger);
  const bearer = (p: string, e = exp) => ({ authorization: `Bearer ${signInboxToken(SECRET, p, e)}` });
  const call = async (path: string, method: string, headers: Record<string, string>) => {
    const res = (await handler(
      apiEvent(path, undefined, { method, headers }),
      ctx,
    )) as APIGatewayProxyStructuredResultV2;
    return { status: res.statusCode, body: JSON.parse(res.body ?? '{}') as Record<string, unknown> };
  };

  it("lists only the token holder's messages", async () => {
    const res = await call('/v1/inbox', 'GET', bearer('prof-1'));
    expect(res).toMatchObject({ status: 200, body: { messages: [{ messageId: 'm1', title: 'T' }] } });
    expect(JSON.stringify(res.body)).not.toContain('prof-1');
  });

  it("marks a message read, and cannot touch someone else's", async () => {
    expect(await call('/v1/inbox/m1/read', 'POST', bearer('prof-1'))).toMatchObject({ status: 200 });
    expect(inbox.items[0]!.readAt).toBe(NOON_NY.toISOString());
    expect(await call('/v1/inbox/m2/read', 'POST', bearer('prof-1'))).toMatchObject({
      status: 404,
      body: { error: { code: 'message_not_found' } },
    });
  });

  it.each([
    ['no token', {}, 'missing_token'],
    ['an expired token', bearer('prof-1', 100), 'expired_token'],
    [
      'a forged token',
      { authorization: `Bearer ${signInboxToken('another-secret-0123456789-abcdefghijkl', 'prof-1', exp)}` },
      'invalid_token',
    ],
  ])('answers 401 for %s', async (_name, headers, code) => {
    expect(await call('/v1/inbox', 'GET', headers)).toMatchObject({ status: 401, body: { error: { code } } });
  });
});

describe('send function', () => {
  it('returns the typed outcome', async () => {
    const s = memorySendDeps();
    expect(await createSendHandler(s.deps)(request(), ctx)).toMatchObject({ outcome: 'Sent' });
  });

  it('throws a named error for a retryable failure so Step Functions can retry it', async () => {
    const s = memorySendDeps();
    s.providers.next = { ok: false, retryable: true, reason: 'throttled' };
    await expect(createSendHandler(s.deps)(request(), ctx)).rejects.toBeInstanceOf(ProviderThrottledError);
  });

  it('returns non-retryable failures as values', async () => {
    const s = memorySendDeps();
    s.providers.next = { ok: false, retryable: false, reason: 'rejected' };
    expect(await createSendHandler(s.deps)(request(), ctx)).toEqual({
      outcome: 'Failed',
      retryable: false,
      reason: 'rejected',
    });
  });

  it('rejects an invalid request by name, naming the fields', async () => {
    const s = memorySendDeps();
    await expect(createSendHandler(s.deps)({ ...request(), channel: 'fax' }, ctx)).rejects.toThrow(
      InvalidSendRequestError,
    );
    await expect(createSendHandler(s.deps)({ profileId: 'p' }, ctx)).rejects.toThrow(/channel/);
  });
});
