/**
 * Send reconciliation: a send whose outcome nobody knows (the provider call timed out, or the
 * invocation died mid-send) is re-sent or marked unknown by its channel's and purpose's policy —
 * never left as a silent permanent duplicate.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createSendHandler } from '../../../functions/send/app.js';
import { providerFailure } from '../../../shared/adapters/ses/provider-error.js';
import type { ChannelsConfig } from '../../../shared/config/channels.js';
import {
  leaseExpired,
  RECONCILE_POLICY,
  reconcilePolicy,
} from '../../../shared/domain/channels/reconcile.js';
import type { SendRequest } from '../../../shared/domain/channels/schemas.js';
import { type SendDeps, send } from '../../../shared/domain/channels/send.js';
import type { MessageOutcome } from '../../../shared/ports/activity.js';
import type { LedgerEntry } from '../../../shared/ports/channels.js';
import { memorySendDeps, NOON_NY, request } from './support.js';

/** Address hashing is not what these tests are about: a stand-in keyed hasher. */
const hasher: SendDeps['hasher'] = {
  currentKeyId: 'k1',
  keyIds: ['k1'],
  hash: (d) => `k1.${String(d)}`,
  candidates: (t) => [`k1.${t}`],
  hashWith: (id, d) => `${id}.${String(d)}`,
};

const LEASE_MS = 20_000;

function harness() {
  const s = memorySendDeps();
  let clock = NOON_NY;
  const outcomes: MessageOutcome[] = [];
  const deps: SendDeps = {
    ...s.deps,
    hasher,
    now: () => clock,
    outcomes: { record: async (o) => void outcomes.push(o) },
  };
  return {
    ...s,
    deps,
    outcomes,
    advance: (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    },
    /** The ledger entry an invocation leaves when it dies between the claim and the provider's answer. */
    abandon: async (req: SendRequest, lease: 'lease' | 'no lease' = 'lease') => {
      const leaseUntil = lease === 'lease' ? new Date(clock.getTime() + LEASE_MS).toISOString() : undefined;
      const entry: LedgerEntry = {
        executionId: req.executionId,
        step: req.step,
        channel: req.channel,
        profileId: req.profileId,
        journey: req.journey,
        variantId: req.content.variantId,
        purpose: req.purpose,
        status: 'sending',
        messageId: 'm-crashed',
        at: NOON_NY.toISOString(),
        ...(leaseUntil ? { leaseUntil } : {}),
      };
      expect(await s.ledger.claim(entry)).toEqual({ kind: 'claimed' });
    },
    entry: (req: SendRequest) =>
      s.ledger.get({ executionId: req.executionId, step: req.step, channel: req.channel }),
  };
}

const timeout = { ok: false, retryable: true, reason: 'provider_timeout' } as const;

describe('the reconciliation policy', () => {
  it('re-sends transactional messages and does not repeat marketing ones, except in-app', () => {
    for (const channel of ['email', 'sms', 'push'] as const) {
      expect(reconcilePolicy(channel, 'transactional')).toBe('resend');
      expect(reconcilePolicy(channel, 'marketing')).toBe('unknown');
    }
    // The inbox is keyed by messageId: a re-send overwrites, so it cannot duplicate.
    expect(RECONCILE_POLICY.inApp).toEqual({ transactional: 'resend', marketing: 'resend' });
  });

  it('holds a claim until its lease ends; a claim without a lease is past it', () => {
    const sending = { status: 'sending', leaseUntil: '2024-05-14T16:00:20.000Z' } as LedgerEntry;
    expect(leaseExpired(sending, new Date('2024-05-14T16:00:19.999Z'))).toBe(false);
    expect(leaseExpired(sending, new Date('2024-05-14T16:00:20.000Z'))).toBe(true);
    expect(leaseExpired({ ...sending, leaseUntil: undefined }, NOON_NY)).toBe(true);
    expect(leaseExpired({ ...sending, status: 'sent' }, new Date('2030-01-01'))).toBe(false);
  });

  it('gives every claim a lease of ledger.leaseSeconds on the real clock', async () => {
    const h = harness();
    const config: ChannelsConfig = { ...h.deps.config, ledger: { retentionDays: 400, leaseSeconds: 45 } };
    let leaseUntil: string | undefined;
    const deps: SendDeps = {
      ...h.deps,
      config,
      email: {
        sendEmail: async () => {
          leaseUntil = (await h.entry(request()))?.leaseUntil;
          return { ok: true, providerId: 'p' };
        },
      },
    };
    // The request's time is the journey state's; the lease counts from now.
    await send(deps, request({ at: '2024-05-01T00:00:00.000Z' }));
    expect(leaseUntil).toBe(new Date(NOON_NY.getTime() + 45_000).toISOString());
  });
});

describe('a send that died mid-send (entry left `sending`)', () => {
  it('answers a replay within the lease with a retryable in-flight failure, and sends nothing', async () => {
    const h = harness();
    const req = request({ purpose: 'transactional' });
    await h.abandon(req);
    h.advance(LEASE_MS - 1);
    expect(await send(h.deps, req)).toEqual({ outcome: 'Failed', retryable: true, reason: 'send_in_flight' });
    expect(h.providers.total).toBe(0);
  });

  it('throws the in-flight answer as ProviderUnavailableError, so the journey retries after the lease', async () => {
    const h = harness();
    const req = request({ purpose: 'transactional' });
    await h.abandon(req);
    await expect(createSendHandler(h.deps)(req, {} as Context)).rejects.toMatchObject({
      name: 'ProviderUnavailableError',
      message: 'send_in_flight',
    });
  });

  it('re-sends a transactional email after the lease, under the same messageId, and counts it', async () => {
    const h = harness();
    const req = request({ purpose: 'transactional' });
    await h.abandon(req);
    h.advance(LEASE_MS);
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Sent', messageId: 'm-crashed' });
    expect(h.providers.emails).toHaveLength(1);
    expect(await h.entry(req)).toMatchObject({ status: 'sent', messageId: 'm-crashed' });
    expect(h.counts.get('SendReconciled|channel=email|purpose=transactional|outcome=resent')).toBe(1);
    expect(h.outcomes).toEqual([expect.objectContaining({ status: 'sent', reason: 'reconciled_resent' })]);
    // Once settled, a replay answers Sent and sends nothing more.
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Sent' });
    expect(h.providers.emails).toHaveLength(1);
  });

  it('marks a marketing email unknown after the lease, does not send it, and counts it once', async () => {
    const h = harness();
    const req = request({ purpose: 'marketing' });
    await h.abandon(req);
    h.advance(LEASE_MS);
    const unknown = { outcome: 'Failed', retryable: false, reason: 'reconciled_unknown' };
    expect(await send(h.deps, req)).toEqual(unknown);
    expect(await send(h.deps, req)).toEqual(unknown);
    expect(h.providers.total).toBe(0);
    expect(await h.entry(req)).toMatchObject({ status: 'unknown', reason: 'reconciled_unknown' });
    expect(h.counts.get('SendReconciled|channel=email|purpose=marketing|outcome=unknown')).toBe(1);
    expect(h.outcomes).toEqual([expect.objectContaining({ status: 'failed', reason: 'reconciled_unknown' })]);
  });

  it.each(['sms', 'push'] as const)('does not re-send a marketing %s either', async (channel) => {
    const h = harness();
    const req = request({ channel, purpose: 'marketing', content: { ...request().content, body: 'Hi' } });
    await h.abandon(req);
    h.advance(LEASE_MS);
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Failed', reason: 'reconciled_unknown' });
    expect(h.providers.total).toBe(0);
  });

  it('re-sends an in-app marketing message under the same messageId (the inbox overwrites)', async () => {
    const h = harness();
    const req = request({
      channel: 'inApp',
      purpose: 'marketing',
      content: { ...request().content, body: 'Hi' },
    });
    await h.abandon(req);
    h.advance(LEASE_MS);
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Sent', messageId: 'm-crashed' });
    expect(h.providers.inbox.map((m) => m.messageId)).toEqual(['m-crashed']);
  });

  it('reconciles an entry left `sending` before leases existed', async () => {
    const h = harness();
    const req = request({ purpose: 'transactional' });
    await h.abandon(req, 'no lease');
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Sent' });
    expect(h.providers.emails).toHaveLength(1);
  });

  it('records a skip over an abandoned claim when a rule now refuses the re-send', async () => {
    const h = harness();
    const req = request({ purpose: 'transactional' });
    await h.abandon(req);
    h.advance(LEASE_MS);
    h.people.delete('prof-1');
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Skipped', reason: 'recipient_not_found' });
    expect(await h.entry(req)).toMatchObject({ status: 'skipped' });
  });
});

describe('a provider call that timed out', () => {
  it('marks a marketing email unknown at once, keeps its pressure slot and never calls again', async () => {
    const h = harness();
    h.providers.next = timeout;
    const req = request({ purpose: 'marketing' });
    expect(await send(h.deps, req)).toEqual({
      outcome: 'Failed',
      retryable: false,
      reason: 'reconciled_unknown',
    });
    h.providers.next = undefined;
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Failed', reason: 'reconciled_unknown' });
    expect(h.providers.emails).toHaveLength(1);
    expect((await h.pressure.load('prof-1', 'email')).sends).toHaveLength(1);
    expect(h.counts.get('SendReconciled|channel=email|purpose=marketing|outcome=unknown')).toBe(1);
  });

  it('fails a transactional email retryably and re-sends it on the retry, counted as reconciled', async () => {
    const h = harness();
    h.providers.next = timeout;
    const req = request({ purpose: 'transactional' });
    expect(await send(h.deps, req)).toEqual({
      outcome: 'Failed',
      retryable: true,
      reason: 'provider_timeout',
    });
    h.providers.next = undefined;
    h.advance(30_000);
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Sent' });
    expect(h.providers.emails.map((m) => m.messageId)).toEqual(['m000001', 'm000001']);
    expect(h.counts.get('SendReconciled|channel=email|purpose=transactional|outcome=resent')).toBe(1);
    expect(h.outcomes.map((o) => `${o.status}:${o.reason}`)).toEqual([
      'failed:provider_timeout',
      'sent:reconciled_resent',
    ]);
  });

  it('does not count a retry after a plain retryable failure as a reconciliation', async () => {
    const h = harness();
    h.providers.next = { ok: false, retryable: true, reason: 'throttled' };
    const req = request({ purpose: 'marketing' });
    await send(h.deps, req);
    h.providers.next = undefined;
    expect(await send(h.deps, req)).toMatchObject({ outcome: 'Sent' });
    expect([...h.counts.keys()].filter((k) => k.startsWith('SendReconciled'))).toEqual([]);
  });
});

describe('provider errors whose answer was lost', () => {
  const timeoutError = (message: string) =>
    Object.assign(new Error(message), { name: 'TimeoutError', $metadata: {} });

  it('calls a request timeout or a reset connection provider_timeout', () => {
    expect(providerFailure(timeoutError('the request socket timed out after 3000 ms of inactivity'))).toEqual(
      timeout,
    );
    expect(providerFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toEqual(
      timeout,
    );
  });

  it('calls a failure before anything was sent provider_unreachable', () => {
    const unreachable = { ok: false, retryable: true, reason: 'provider_unreachable' };
    expect(
      providerFailure(timeoutError('Socket timed out without establishing a connection within 1000 ms')),
    ).toEqual(unreachable);
    expect(
      providerFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toEqual(unreachable);
  });
});
