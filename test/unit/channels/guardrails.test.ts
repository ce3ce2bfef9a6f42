import { describe, expect, it } from 'vitest';
import { defaultChannelsConfig } from '../../../shared/config/channels.js';
import { addressHash } from '../../../shared/domain/channels/hashing.js';
import { send } from '../../../shared/domain/channels/send.js';
import type { SuppressionEntry } from '../../../shared/ports/channels.js';
import { testHasher } from '../../support/hasher.js';
import { memorySendDeps, NOON_NY, recipient, request } from './support.js';

const entry = (
  reason: SuppressionEntry['reason'],
  channel: SuppressionEntry['channel'] = 'email',
): SuppressionEntry => ({
  reason,
  channel,
  at: '2024-01-01T00:00:00.000Z',
  source: 'test',
});

/** 23:30 in New York: inside SMS and push quiet hours. */
const LATE_NY = new Date('2024-05-15T03:30:00.000Z');

describe('send guardrails', () => {
  it('sends an approved marketing email to a consenting person', async () => {
    const { deps, providers, ledger } = memorySendDeps();
    const outcome = await send(deps, request());
    expect(outcome).toEqual({ outcome: 'Sent', messageId: 'm000001', providerId: 'prov-m000001' });
    expect(providers.emails).toHaveLength(1);
    expect(providers.emails[0]!.subject).toBe('Hello Ada');
    expect([...ledger.entries.values()][0]).toMatchObject({ status: 'sent', providerId: 'prov-m000001' });
  });

  describe('each rule alone blocks with its reason code and sends nothing', () => {
    const cases: [
      string,
      (s: ReturnType<typeof memorySendDeps>) => void | Promise<void>,
      Parameters<typeof request>[0],
      string,
    ][] = [
      ['an unknown profile', (s) => s.people.clear(), {}, 'recipient_not_found'],
      [
        'no email address',
        (s) => s.people.set('prof-1', recipient({ email: undefined })),
        {},
        'no_contact_address',
      ],
      ['consent never given', (s) => s.people.set('prof-1', recipient({ consent: {} })), {}, 'no_consent'],
      [
        'consent withdrawn',
        (s) => s.people.set('prof-1', recipient({ consent: { email: false } })),
        {},
        'no_consent',
      ],
      [
        'a hard bounce on the address',
        (s) =>
          s.suppressions.suppress(
            { addressHash: addressHash(testHasher, 'email', 'ada@example.com') },
            entry('hard_bounce'),
          ),
        {},
        'suppressed_hard_bounce',
      ],
      [
        'a complaint on the address',
        (s) =>
          s.suppressions.suppress(
            { addressHash: addressHash(testHasher, 'email', ' ADA@example.com') },
            entry('complaint'),
          ),
        {},
        'suppressed_complaint',
      ],
      [
        'an unsubscribe of the profile',
        (s) => s.suppressions.suppress({ profileId: 'prof-1' }, entry('unsubscribe')),
        {},
        'suppressed_unsubscribe',
      ],
      [
        'an SMS STOP from the number',
        (s) =>
          s.suppressions.suppress(
            { addressHash: addressHash(testHasher, 'phone', '+1 555 123 4567') },
            entry('sms_stop', 'sms'),
          ),
        { channel: 'sms' },
        'suppressed_sms_stop',
      ],
      [
        'unapproved content',
        () => {},
        { content: { ...request().content, status: 'draft' } },
        'content_not_approved',
      ],
      [
        'a sensitive send without a human reviewer',
        () => {},
        { sensitive: true },
        'content_needs_human_review',
      ],
      [
        'paused marketing email',
        (s) => s.reputation.pause({ reason: 'bounce_rate' }),
        {},
        'marketing_email_paused',
      ],
      [
        'a full daily cap',
        (s) => {
          s.pressure.state.set('prof-1|email', {
            sends: [{ at: NOON_NY.getTime() - 3_600_000, messageId: 'x', priority: 0 }],
            version: 1,
          });
        },
        {},
        'frequency_cap',
      ],
      ['quiet hours for SMS', () => {}, { channel: 'sms', at: LATE_NY.toISOString() }, 'quiet_hours'],
      [
        'a template that does not parse',
        () => {},
        { content: { ...request().content, text: 'Hi {{ traits.firstName ' } },
        'render_failed',
      ],
    ];
    it.each(cases)('%s', async (_name, arrange, overrides, reason) => {
      const s = memorySendDeps();
      await arrange(s);
      const outcome = await send(s.deps, request(overrides));
      expect(outcome).toMatchObject({ outcome: 'Skipped', reason });
      expect(s.providers.total).toBe(0);
      const stored = [...s.ledger.entries.values()][0];
      expect(stored).toMatchObject({ status: 'skipped', reason });
      expect([...s.counts.keys()].some((k) => k.includes(`outcome=${reason}`))).toBe(true);
    });
  });

  it('applies the rules in order: consent before suppression before content before caps before quiet hours', async () => {
    const s = memorySendDeps();
    s.people.set('prof-1', recipient({ consent: {} }));
    await s.suppressions.suppress({ profileId: 'prof-1' }, entry('unsubscribe', 'sms'));
    s.pressure.state.set('prof-1|sms', {
      sends: [1, 2].map((i) => ({ at: NOON_NY.getTime() - i * 3_600_000, messageId: `x${i}`, priority: 0 })),
      version: 1,
    });
    const late = {
      channel: 'sms' as const,
      at: LATE_NY.toISOString(),
      content: { ...request().content, status: 'draft' },
    };
    expect(await send(s.deps, request({ ...late, executionId: 'e1' }))).toMatchObject({
      reason: 'no_consent',
    });
    s.people.set('prof-1', recipient());
    expect(await send(s.deps, request({ ...late, executionId: 'e2' }))).toMatchObject({
      reason: 'suppressed_unsubscribe',
    });
    s.suppressions.byKey.clear();
    expect(await send(s.deps, request({ ...late, executionId: 'e3' }))).toMatchObject({
      reason: 'content_not_approved',
    });
    expect(
      await send(s.deps, request({ ...late, executionId: 'e4', content: request().content })),
    ).toMatchObject({
      reason: 'frequency_cap',
    });
    s.pressure.state.clear();
    expect(
      await send(s.deps, request({ ...late, executionId: 'e5', content: request().content })),
    ).toMatchObject({
      reason: 'quiet_hours',
    });
  });

  describe('transactional messages', () => {
    it('need no marketing consent, but a contact address', async () => {
      const s = memorySendDeps({ people: [recipient({ consent: {} })] });
      expect(await send(s.deps, request({ purpose: 'transactional' }))).toMatchObject({ outcome: 'Sent' });
      s.people.set('prof-1', recipient({ consent: {}, email: undefined }));
      expect(await send(s.deps, request({ purpose: 'transactional', executionId: 'e2' }))).toMatchObject({
        reason: 'no_contact_address',
      });
    });

    it('pass marketing unsubscribes, caps, quiet hours and the marketing pause', async () => {
      const s = memorySendDeps({ now: LATE_NY });
      await s.suppressions.suppress({ profileId: 'prof-1' }, entry('unsubscribe'));
      await s.reputation.pause({ reason: 'bounce_rate' });
      s.pressure.state.set('prof-1|email', {
        sends: [{ at: LATE_NY.getTime() - 60_000, messageId: 'x', priority: 0 }],
        version: 1,
      });
      expect(await send(s.deps, request({ purpose: 'transactional' }))).toMatchObject({ outcome: 'Sent' });
      const sms = await send(
        s.deps,
        request({ purpose: 'transactional', channel: 'sms', executionId: 'e2' }),
      );
      expect(sms).toMatchObject({ outcome: 'Sent' });
      expect(s.providers.sms[0]).toMatchObject({ type: 'transactional' });
      expect(s.providers.sms[0]!.body).not.toMatch(/STOP/);
    });

    it('still honour hard bounces, complaints, SMS STOP and content approval', async () => {
      const s = memorySendDeps();
      await s.suppressions.suppress(
        { addressHash: addressHash(testHasher, 'email', 'ada@example.com') },
        entry('hard_bounce'),
      );
      await s.suppressions.suppress(
        { addressHash: addressHash(testHasher, 'phone', '+15551234567') },
        entry('sms_stop', 'sms'),
      );
      expect(await send(s.deps, request({ purpose: 'transactional' }))).toMatchObject({
        reason: 'suppressed_hard_bounce',
      });
      expect(
        await send(s.deps, request({ purpose: 'transactional', channel: 'sms', executionId: 'e2' })),
      ).toMatchObject({
        reason: 'suppressed_sms_stop',
      });
      const draft = { ...request().content, status: 'in_review' };
      expect(
        await send(
          s.deps,
          request({ purpose: 'transactional', channel: 'push', content: draft, executionId: 'e3' }),
        ),
      ).toMatchObject({
        reason: 'content_not_approved',
      });
    });

    it('do not count against marketing caps', async () => {
      const s = memorySendDeps();
      await send(s.deps, request({ purpose: 'transactional' }));
      expect(s.pressure.state.size).toBe(0);
      expect(await send(s.deps, request({ executionId: 'e2' }))).toMatchObject({ outcome: 'Sent' });
    });
  });

  describe('contact pressure', () => {
    const week = (n: number, priority = 0) =>
      Array.from({ length: n }, (_, i) => ({
        at: NOON_NY.getTime() - (i + 2) * 86_400_000,
        messageId: `w${i}`,
        priority,
      }));

    it('caps marketing email across journeys at one a day and says when the slot frees', async () => {
      const s = memorySendDeps();
      expect(await send(s.deps, request({ journey: 'a', executionId: 'e1' }))).toMatchObject({
        outcome: 'Sent',
      });
      const second = await send(s.deps, request({ journey: 'b', executionId: 'e2' }));
      expect(second).toEqual({
        outcome: 'Skipped',
        reason: 'frequency_cap',
        retryAt: new Date(NOON_NY.getTime() + 86_400_000).toISOString(),
      });
    });

    it('keeps the third weekly email for journeys at or above the reserved priority', async () => {
      const s = memorySendDeps();
      s.pressure.state.set('prof-1|email', { sends: week(2), version: 1 });
      expect(await send(s.deps, request({ priority: 10, executionId: 'low' }))).toMatchObject({
        reason: 'frequency_cap',
      });
      expect(await send(s.deps, request({ priority: 80, executionId: 'high' }))).toMatchObject({
        outcome: 'Sent',
      });
      expect(
        await send(
          s.deps,
          request({
            priority: 100,
            executionId: 'higher',
            at: new Date(NOON_NY.getTime() + 86_400_000 + 1).toISOString(),
          }),
        ),
      ).toMatchObject({
        reason: 'frequency_cap',
      });
    });

    it('allows two marketing SMS a week and one push a day', async () => {
      const s = memorySendDeps();
      const t = (h: number) => new Date(NOON_NY.getTime() + h * 3_600_000).toISOString();
      expect(await send(s.deps, request({ channel: 'sms', executionId: 's1', at: t(0) }))).toMatchObject({
        outcome: 'Sent',
      });
      expect(await send(s.deps, request({ channel: 'sms', executionId: 's2', at: t(1) }))).toMatchObject({
        outcome: 'Sent',
      });
      expect(await send(s.deps, request({ channel: 'sms', executionId: 's3', at: t(2) }))).toMatchObject({
        reason: 'frequency_cap',
      });
      expect(await send(s.deps, request({ channel: 'push', executionId: 'p1', at: t(0) }))).toMatchObject({
        outcome: 'Sent',
      });
      expect(await send(s.deps, request({ channel: 'push', executionId: 'p2', at: t(1) }))).toMatchObject({
        reason: 'frequency_cap',
      });
    });

    it('gives the slot back when the provider refuses the message', async () => {
      const s = memorySendDeps();
      s.providers.next = { ok: false, retryable: false, reason: 'rejected' };
      expect(await send(s.deps, request())).toEqual({
        outcome: 'Failed',
        retryable: false,
        reason: 'rejected',
      });
      s.providers.next = undefined;
      expect(await send(s.deps, request({ executionId: 'e2' }))).toMatchObject({ outcome: 'Sent' });
    });
  });

  describe('idempotent ledger', () => {
    it('sends a step once and replays the outcome on retries', async () => {
      const s = memorySendDeps();
      const first = await send(s.deps, request());
      const again = await send(s.deps, request());
      expect(again).toEqual(first);
      expect(s.providers.emails).toHaveLength(1);
    });

    it('lets a step that was skipped for quiet hours send when retried later', async () => {
      const s = memorySendDeps();
      expect(await send(s.deps, request({ channel: 'sms', at: LATE_NY.toISOString() }))).toMatchObject({
        reason: 'quiet_hours',
      });
      expect(await send(s.deps, request({ channel: 'sms', at: NOON_NY.toISOString() }))).toMatchObject({
        outcome: 'Sent',
      });
    });

    it('retries a step whose provider call failed retryably', async () => {
      const s = memorySendDeps();
      s.providers.next = { ok: false, retryable: true, reason: 'throttled' };
      expect(await send(s.deps, request())).toEqual({
        outcome: 'Failed',
        retryable: true,
        reason: 'throttled',
      });
      s.providers.next = undefined;
      expect(await send(s.deps, request())).toMatchObject({ outcome: 'Sent' });
      expect(s.providers.emails).toHaveLength(2);
    });

    it('treats a provider exception as a retryable failure', async () => {
      const s = memorySendDeps();
      s.deps = {
        ...s.deps,
        email: { sendEmail: async () => Promise.reject(new Error('socket hang up')) },
      } as typeof s.deps;
      expect(await send(s.deps, request())).toEqual({
        outcome: 'Failed',
        retryable: true,
        reason: 'provider_error',
      });
    });
  });

  describe('email content', () => {
    it('adds RFC 8058 unsubscribe headers, the postal address and the link to marketing email', async () => {
      const config = {
        ...defaultChannelsConfig,
        email: { ...defaultChannelsConfig.email, unsubscribeMailto: 'unsub@example.com' },
      };
      const s = memorySendDeps({ config });
      await send(s.deps, request({ content: { ...request().content, preheader: 'Psst' } }));
      const m = s.providers.emails[0]!;
      const list = m.headers.find((h) => h.name === 'List-Unsubscribe')!.value;
      expect(list).toMatch(
        /^<http:\/\/localhost:3000\/v1\/unsubscribe\?token=[A-Za-z0-9_.%-]+>, <mailto:unsub@example\.com\?subject=unsubscribe>$/,
      );
      expect(m.headers).toContainEqual({
        name: 'List-Unsubscribe-Post',
        value: 'List-Unsubscribe=One-Click',
      });
      expect(m.text).toContain(config.email.postalAddress);
      expect(m.html).toContain('Unsubscribe</a>');
      expect(m.html).toMatch(/<body><div style="display:none[^>]*>Psst<\/div>/);
      expect(m.tags).toMatchObject({
        journey: 'welcome',
        step: 'send-welcome',
        variant: 'A',
        feltfit_message_id: 'm000001',
      });
    });

    it('sends transactional email without unsubscribe headers or footer', async () => {
      const s = memorySendDeps();
      await send(s.deps, request({ purpose: 'transactional' }));
      expect(s.providers.emails[0]!.headers).toEqual([]);
      expect(s.providers.emails[0]!.text).toBe('Hi Ada');
    });

    it('adds the STOP instruction to marketing SMS that lack it, once', async () => {
      const s = memorySendDeps();
      await send(s.deps, request({ channel: 'sms' }));
      await send(
        s.deps,
        request({
          channel: 'sms',
          executionId: 'e2',
          content: { ...request().content, text: 'Sale! Txt STOP to end' },
        }),
      );
      expect(s.providers.sms[0]!.body).toBe('Hi Ada Reply STOP to opt out');
      expect(s.providers.sms[1]!.body).toBe('Sale! Txt STOP to end');
      expect(s.providers.sms[0]).toMatchObject({ type: 'promotional', segments: 1 });
    });

    it('puts in-app messages in the inbox', async () => {
      const s = memorySendDeps();
      const out = await send(
        s.deps,
        request({ channel: 'inApp', content: { ...request().content, title: 'Hey {{ traits.firstName }}' } }),
      );
      expect(out).toMatchObject({ outcome: 'Sent', providerId: 'inbox:m000001' });
      expect(s.providers.inbox[0]).toMatchObject({ profileId: 'prof-1', title: 'Hey Ada', body: 'Hi Ada' });
    });

    it('never logs addresses or names', async () => {
      const s = memorySendDeps();
      await send(s.deps, request());
      await send(s.deps, request({ channel: 'sms', executionId: 'e2' }));
      const logged = JSON.stringify(s.logs);
      expect(logged).not.toMatch(/Ada|example\.com|555/);
    });
  });
});
