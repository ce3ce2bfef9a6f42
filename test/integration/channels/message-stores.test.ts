import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { messageStores } from '../../../shared/adapters/dynamodb/message-wiring.js';
import { OutboxSender } from '../../../shared/adapters/outbox/outbox.js';
import { defaultChannelsConfig } from '../../../shared/config/channels.js';
import { handleSesEvent } from '../../../shared/domain/channels/feedback.js';
import { addressHash } from '../../../shared/domain/channels/hashing.js';
import { timeSortableId } from '../../../shared/domain/channels/ids.js';
import type { SendDeps } from '../../../shared/domain/channels/send.js';
import { send } from '../../../shared/domain/channels/send.js';
import { createTestTables } from '../../support/dynamodb.js';
import { testHasher } from '../../support/hasher.js';
import { silentLogger } from '../../support/logger.js';
import { memorySendDeps, NOON_NY, recipient, request } from '../../unit/channels/support.js';

let stores: ReturnType<typeof messageStores>;
let dir: string;

beforeAll(async () => {
  const t = await createTestTables();
  stores = messageStores(t.tables.messages, defaultChannelsConfig, documentClient(t.client));
  dir = await mkdtemp(join(tmpdir(), 'feltfit-outbox-it-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stand-in keyed hasher: address hashing is not what the ledger and feedback tests are about. */
const standInHasher: SendDeps['hasher'] = {
  currentKeyId: 'k1',
  keyIds: ['k1'],
  hash: (d) => `k1.${String(d)}`,
  candidates: (t) => [`k1.${t}`],
  hashWith: (id, d) => `${id}.${String(d)}`,
};

/** Send deps on DynamoDB Local and a fresh outbox folder. */
async function dynamoDeps(): Promise<{ deps: SendDeps; outbox: string }> {
  const outbox = await mkdtemp(join(dir, 'o-'));
  const sender = new OutboxSender(outbox, () => NOON_NY);
  const base = memorySendDeps().deps;
  return {
    outbox,
    deps: {
      ...base,
      hasher: standInHasher,
      ...stores,
      email: sender,
      sms: sender,
      push: sender,
      newId: () => timeSortableId(NOON_NY),
    },
  };
}

describe('idempotent ledger on DynamoDB Local', () => {
  it.each(['marketing', 'transactional'] as const)(
    'sends exactly one %s message when 20 identical invocations race',
    async (purpose) => {
      const { deps, outbox } = await dynamoDeps();
      const req = request({ purpose, executionId: `race-${purpose}` });
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => send(deps, req)));
      expect(await readdir(outbox)).toHaveLength(1);
      const sent = outcomes.filter((o) => o.outcome === 'Sent');
      expect(sent.length).toBeGreaterThanOrEqual(1);
      // Losers replay the winner's outcome, or see it in flight (retryable: come back later); none sends.
      expect(
        outcomes.filter(
          (o) =>
            !(
              o.outcome === 'Sent' ||
              (o.outcome === 'Skipped' && o.reason === 'duplicate') ||
              (o.outcome === 'Failed' && o.retryable && o.reason === 'send_in_flight')
            ),
        ),
      ).toEqual([]);
      expect(new Set(sent.map((o) => (o.outcome === 'Sent' ? o.messageId : '')))).toHaveProperty('size', 1);
      expect(
        await stores.ledger.get({ executionId: `race-${purpose}`, step: req.step, channel: 'email' }),
      ).toMatchObject({
        status: 'sent',
      });
    },
  );

  it('gives the one daily email slot to exactly one of two racing journeys', async () => {
    const { deps, outbox } = await dynamoDeps();
    const profileId = `p-${timeSortableId()}`;
    const people = new Map([[profileId, recipient({ profileId })]]);
    deps.recipients.getRecipient = async (id) => people.get(id);
    const outcomes = await Promise.all(
      ['a', 'b', 'c', 'd'].map((j) =>
        send(deps, request({ profileId, journey: j, executionId: `exec-${j}-${profileId}` })),
      ),
    );
    expect(await readdir(outbox)).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'Sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'Skipped' && o.reason === 'frequency_cap')).toHaveLength(3);
  });

  it('records a skip on the ledger and lets a later retry of the step send', async () => {
    const { deps } = await dynamoDeps();
    const late = new Date('2024-05-15T03:30:00Z').toISOString();
    const key = { executionId: 'quiet-1', step: 'send-welcome', channel: 'sms' as const };
    expect(await send(deps, request({ channel: 'sms', executionId: 'quiet-1', at: late }))).toMatchObject({
      reason: 'quiet_hours',
    });
    expect(await stores.ledger.get(key)).toMatchObject({
      status: 'skipped',
      reason: 'quiet_hours',
      retryAt: '2024-05-15T12:00:00.000Z',
    });
    expect(await send(deps, request({ channel: 'sms', executionId: 'quiet-1' }))).toMatchObject({
      outcome: 'Sent',
    });
    expect(await stores.ledger.get(key)).toMatchObject({ status: 'sent' });
  });

  it('records provider events on the ledger entry found by message id', async () => {
    const { deps } = await dynamoDeps();
    const out = await send(deps, request({ purpose: 'transactional', executionId: 'fb-1' }));
    if (out.outcome !== 'Sent') throw new Error('expected a send');
    expect(await stores.ledger.findByMessageId(out.messageId)).toMatchObject({
      executionId: 'fb-1',
      status: 'sent',
    });
    await stores.ledger.recordEvent(out.messageId, { type: 'delivered', at: NOON_NY.toISOString() });
    await stores.ledger.recordEvent(out.messageId, { type: 'opened', at: NOON_NY.toISOString() });
    expect(await stores.ledger.findByMessageId('no-such-id')).toBeUndefined();
  });
});

describe('send reconciliation on DynamoDB Local', () => {
  const lease = (at: Date, seconds = 20) => new Date(at.getTime() + seconds * 1000).toISOString();
  const abandoned = (executionId: string, purpose: 'marketing' | 'transactional', leaseUntil?: string) => ({
    executionId,
    step: 'send-welcome',
    channel: 'email' as const,
    profileId: 'prof-1',
    journey: 'welcome',
    purpose,
    status: 'sending' as const,
    messageId: `m-${executionId}`,
    at: NOON_NY.toISOString(),
    ...(leaseUntil ? { leaseUntil } : {}),
  });

  it('lets a claim take over a `sending` entry only once its lease has ended', async () => {
    const entry = abandoned('lease-1', 'transactional', lease(NOON_NY));
    expect(await stores.ledger.claim(entry)).toEqual({ kind: 'claimed' });
    expect(await stores.ledger.get(entry)).toMatchObject({ status: 'sending', leaseUntil: lease(NOON_NY) });
    const again = { ...entry, leaseUntil: lease(NOON_NY, 60) };
    expect(await stores.ledger.claim(again)).toMatchObject({ kind: 'duplicate' });
    expect(await stores.ledger.claim(again, undefined, { takeoverBefore: lease(NOON_NY, 19) })).toMatchObject(
      {
        kind: 'duplicate',
      },
    );
    expect(await stores.ledger.claim(again, undefined, { takeoverBefore: lease(NOON_NY, 20) })).toEqual({
      kind: 'claimed',
    });
    // The invocation that held the first lease can no longer settle over the new claim.
    await expect(
      stores.ledger.settle({ ...entry, status: 'sent', providerId: 'late' }),
    ).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    await stores.ledger.settle({ ...again, status: 'sent', providerId: 'p-1' });
    expect(await stores.ledger.get(entry)).toMatchObject({ status: 'sent', providerId: 'p-1' });
    // A settled entry is never taken over.
    expect(
      await stores.ledger.claim(again, undefined, { takeoverBefore: lease(NOON_NY, 3600) }),
    ).toMatchObject({ kind: 'duplicate' });
  });

  it('re-sends an abandoned transactional email once, under its messageId, after the lease', async () => {
    const { deps, outbox } = await dynamoDeps();
    await stores.ledger.claim(abandoned('crash-t', 'transactional', lease(NOON_NY)));
    const req = request({ purpose: 'transactional', executionId: 'crash-t' });
    expect(await send(deps, req)).toMatchObject({ outcome: 'Failed', reason: 'send_in_flight' });
    const later = { ...deps, now: () => new Date(NOON_NY.getTime() + 20_000) };
    expect(await send(later, req)).toMatchObject({ outcome: 'Sent', messageId: 'm-crash-t' });
    expect(await send(later, req)).toMatchObject({ outcome: 'Sent', messageId: 'm-crash-t' });
    expect(await readdir(outbox)).toHaveLength(1);
    expect(await stores.ledger.findByMessageId('m-crash-t')).toMatchObject({ status: 'sent' });
  });

  it('marks an abandoned marketing email unknown and never sends it', async () => {
    const { deps, outbox } = await dynamoDeps();
    // Left by a version without leases: past any lease.
    await stores.ledger.claim(abandoned('crash-m', 'marketing'));
    const req = request({ purpose: 'marketing', executionId: 'crash-m' });
    const unknown = { outcome: 'Failed', retryable: false, reason: 'reconciled_unknown' };
    expect(await send(deps, req)).toEqual(unknown);
    expect(await send(deps, req)).toEqual(unknown);
    expect(await readdir(outbox)).toHaveLength(0);
    expect(
      await stores.ledger.get({ executionId: 'crash-m', step: 'send-welcome', channel: 'email' }),
    ).toMatchObject({
      status: 'unknown',
      reason: 'reconciled_unknown',
      retryable: false,
    });
  });
});

describe('suppression list on DynamoDB Local', () => {
  it('finds entries by address hash on any channel and by profile on its channel only', async () => {
    const hash = addressHash(testHasher, 'email', `x-${timeSortableId()}@example.com`);
    const at = NOON_NY.toISOString();
    await stores.suppressions.suppress(
      { addressHash: hash },
      { reason: 'hard_bounce', channel: 'email', at, source: 'ses' },
    );
    await stores.suppressions.suppress(
      { profileId: 'sup-p1' },
      { reason: 'unsubscribe', channel: 'sms', at, source: 'form' },
    );
    expect(
      await stores.suppressions.find({ addressHashes: [hash], profileId: 'sup-p1', channel: 'email' }),
    ).toEqual([{ reason: 'hard_bounce', channel: 'email', at, source: 'ses' }]);
    expect(
      await stores.suppressions.find({ addressHashes: [], profileId: 'sup-p1', channel: 'sms' }),
    ).toEqual([{ reason: 'unsubscribe', channel: 'sms', at, source: 'form' }]);
  });
});

describe('reputation on DynamoDB Local', () => {
  it('sums hourly counters over the window and pauses marketing email on a high bounce rate', async () => {
    // 2023: no other test of this file sends then, so the counters are this test's alone.
    const now = new Date('2023-05-14T12:00:00Z');
    const feedback = { ...defaultChannelsConfig.feedback, minimumSends: 50 };
    await stores.reputation.add(new Date('2023-05-14T10:10:00Z'), { sends: 30 });
    await stores.reputation.add(new Date('2023-05-14T11:50:00Z'), { sends: 20, bounces: 0 });
    await stores.reputation.add(new Date('2023-04-01T00:00:00Z'), { sends: 1000 });
    expect(await stores.reputation.totals(new Date('2023-05-07T12:00:00Z'), now)).toEqual({
      sends: 50,
      bounces: 0,
      complaints: 0,
    });
    expect(await stores.reputation.isPaused()).toBe(false);
    const event = {
      source: 'aws.ses' as const,
      'detail-type': 'Email Bounced',
      time: now.toISOString(),
      detail: {
        eventType: 'Bounce',
        mail: { messageId: 'ses-1', destination: [], tags: {} },
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'gone@example.com' }] },
      },
    };
    const result = await handleSesEvent(
      {
        ...stores,
        consent: { withdraw: async () => {} },
        hasher: testHasher,
        config: { feedback },
        metrics: { count: () => {} },
        logger: silentLogger,
        now: () => now,
      },
      event,
    );
    expect(result).toMatchObject({ type: 'bounced', suppressed: 1, paused: true });
    // The store caches the flag for 30 s per instance; a fresh read sees it at once after pause().
    expect(await stores.reputation.isPaused()).toBe(true);
    await stores.reputation.resume();
    expect(await stores.reputation.isPaused()).toBe(false);
  });
});

describe('provider feedback on DynamoDB Local', () => {
  it('counts a complaint delivered three times once and leaves marketing email running', async () => {
    // 2022: no other test of this file counts then.
    const now = new Date('2022-03-01T12:00:00Z');
    await stores.reputation.add(now, { sends: 2500 });
    const complaint = {
      source: 'aws.ses' as const,
      'detail-type': 'Email Complaint Received',
      time: now.toISOString(),
      detail: {
        eventType: 'Complaint',
        mail: { messageId: 'ses-c-1', destination: [], tags: {} },
        complaint: {
          complainedRecipients: [{ emailAddress: 'annoyed@example.com' }],
          feedbackId: 'fb-c-1',
        },
      },
    };
    const deps = {
      ...stores,
      hasher: standInHasher,
      consent: { withdraw: async () => {} },
      config: { feedback: { ...defaultChannelsConfig.feedback, minimumSends: 100 } },
      metrics: { count: () => {} },
      logger: silentLogger,
      now: () => now,
    };
    const results = await Promise.all([1, 2, 3].map(() => handleSesEvent(deps, complaint)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await stores.reputation.totals(now, now)).toEqual({ sends: 2500, bounces: 0, complaints: 1 });
    expect(await stores.reputation.isPaused()).toBe(false);
  });
});

describe('inbox on DynamoDB Local', () => {
  it('lists newest first across pages and marks messages read', async () => {
    const profileId = `inbox-${timeSortableId()}`;
    for (let i = 0; i < 5; i++) {
      const at = new Date(NOON_NY.getTime() + i * 1000);
      await stores.inbox.put({
        messageId: timeSortableId(at),
        profileId,
        title: `t${i}`,
        body: 'b',
        journey: 'j',
        variantId: 'v',
        createdAt: at.toISOString(),
      });
    }
    const first = await stores.inbox.list(profileId, { limit: 3 });
    expect(first.messages.map((m) => m.title)).toEqual(['t4', 't3', 't2']);
    const second = await stores.inbox.list(profileId, { limit: 3, cursor: first.cursor! });
    expect(second.messages.map((m) => m.title)).toEqual(['t1', 't0']);
    const id = first.messages[0]!.messageId;
    expect(await stores.inbox.markRead(profileId, id, NOON_NY.toISOString())).toBe(true);
    expect(await stores.inbox.markRead('someone-else', id, NOON_NY.toISOString())).toBe(false);
    expect((await stores.inbox.list(profileId, { limit: 1 })).messages[0]).toMatchObject({
      readAt: NOON_NY.toISOString(),
    });
  });
});
