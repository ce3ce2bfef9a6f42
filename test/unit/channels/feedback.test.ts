import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createProviderFeedbackHandler } from '../../../functions/provider-feedback/app.js';
import { defaultChannelsConfig } from '../../../shared/config/channels.js';
import {
  type FeedbackDeps,
  feedbackKey,
  isStopKeyword,
  SesEventBridgeEvent,
} from '../../../shared/domain/channels/feedback.js';
import { addressHash } from '../../../shared/domain/channels/hashing.js';
import { send } from '../../../shared/domain/channels/send.js';
import { testHasher } from '../../support/hasher.js';
import { memoryMetrics } from '../../support/metrics.js';
import {
  MemoryLedger,
  MemoryReputation,
  MemorySuppressions,
  memorySendDeps,
  NOON_NY,
  recipient,
  request,
} from './support.js';

/** An SES event as EventBridge delivers it (default bus, source aws.ses). */
function sesEvent(detailType: string, detail: Record<string, unknown>, messageId = 'm000001') {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: NOON_NY.toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:ses:us-east-1:123456789012:configuration-set/feltfit'],
    detail: {
      mail: {
        timestamp: NOON_NY.toISOString(),
        source: 'hello@example.com',
        messageId: '0100018f-ses',
        destination: ['ada@example.com'],
        tags: { 'ses:configuration-set': ['feltfit'], feltfit_message_id: [messageId], journey: ['welcome'] },
      },
      ...detail,
    },
  };
}

const bounce = (bounceType: string) =>
  sesEvent('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: 'Ada@Example.com', action: 'failed', status: '5.1.1' }],
      timestamp: NOON_NY.toISOString(),
      feedbackId: 'f-1',
    },
  });

const complaint = (feedbackId?: string) =>
  sesEvent('Email Complaint Received', {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: 'ada@example.com' }],
      complaintFeedbackType: 'abuse',
      timestamp: NOON_NY.toISOString(),
      ...(feedbackId ? { feedbackId } : {}),
    },
  });

/** The two-way SMS payload as AWS End User Messaging SMS documents it for SNS topics. */
const DOCUMENTED_INBOUND_SMS = {
  originationNumber: '+14255550182',
  destinationNumber: '+12125550101',
  messageKeyword: 'JOIN',
  messageBody: 'EXAMPLE',
  inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
  previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** An inbound SMS as the topic's Lambda subscription delivers it: one SNS record, the payload as JSON text. */
function inboundSmsEvent(payload: Record<string, string>) {
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:feltfit-inbound-sms';
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: topicArn,
          Subject: null,
          Message: JSON.stringify(payload),
          Timestamp: NOON_NY.toISOString(),
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000.pem',
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:2bcf`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

function feedbackDeps(ledger = new MemoryLedger()) {
  const suppressions = new MemorySuppressions();
  const reputation = new MemoryReputation();
  const withdrawals: string[] = [];
  const { metrics, counts } = memoryMetrics();
  const logs: string[] = [];
  const deps: FeedbackDeps = {
    ledger,
    hasher: testHasher,
    suppressions,
    reputation,
    consent: {
      withdraw: async (profileId, channel, source) =>
        void withdrawals.push(`${profileId}:${channel}:${source}`),
    },
    config: { feedback: { ...defaultChannelsConfig.feedback, minimumSends: 100 } },
    metrics,
    logger: { info: (m) => void logs.push(m), warn: (m) => void logs.push(m) },
    now: () => NOON_NY,
  };
  return { deps, suppressions, reputation, withdrawals, counts, logs };
}

const call = (deps: FeedbackDeps, event: unknown) =>
  createProviderFeedbackHandler(deps)(event, {} as Context);

describe('provider feedback', () => {
  it('records the event on the ledger entry of the message', async () => {
    const s = memorySendDeps();
    await send(s.deps, request());
    const f = feedbackDeps(s.ledger);
    await call(
      f.deps,
      sesEvent('Email Delivered', { eventType: 'Delivery', delivery: { timestamp: NOON_NY.toISOString() } }),
    );
    await call(
      f.deps,
      sesEvent('Email Opened', { eventType: 'Open', open: { timestamp: NOON_NY.toISOString() } }),
    );
    expect(s.ledger.events).toEqual([
      { messageId: 'm000001', type: 'delivered' },
      { messageId: 'm000001', type: 'opened' },
    ]);
  });

  it('suppresses the address on a permanent bounce, so the next email is skipped', async () => {
    const s = memorySendDeps();
    await send(s.deps, request());
    const f = feedbackDeps(s.ledger);
    f.deps = { ...f.deps, suppressions: s.suppressions };
    await call(f.deps, bounce('Permanent'));
    expect(await send(s.deps, request({ executionId: 'e2', purpose: 'transactional' }))).toMatchObject({
      reason: 'suppressed_hard_bounce',
    });
  });

  it('does not suppress on a transient bounce', async () => {
    const f = feedbackDeps();
    await call(f.deps, bounce('Transient'));
    expect(f.suppressions.byKey.size).toBe(0);
  });

  it('suppresses and withdraws email consent on a complaint', async () => {
    const s = memorySendDeps();
    await send(s.deps, request());
    const f = feedbackDeps(s.ledger);
    await call(f.deps, complaint());
    expect(f.suppressions.byKey.get(`A#${addressHash(testHasher, 'email', 'ada@example.com')}`)).toEqual([
      expect.objectContaining({ reason: 'complaint', channel: 'email' }),
    ]);
    expect(f.withdrawals).toEqual(['prof-1:email:ses_complaint']);
  });

  it('pauses marketing email when hard bounces reach 2% of sends', async () => {
    const f = feedbackDeps();
    await f.reputation.add(NOON_NY, { sends: 100, bounces: 1 });
    await call(f.deps, bounce('Permanent'));
    expect(f.reputation.paused).toMatchObject({ reason: 'bounce_rate' });
    expect(f.logs).toContain('marketing email paused');
    expect(f.counts.get('MarketingEmailPaused|reason=bounce_rate')).toBe(1);
  });

  it('does not pause below 2% bounces', async () => {
    const f = feedbackDeps();
    await f.reputation.add(NOON_NY, { sends: 200, bounces: 2 });
    await call(f.deps, bounce('Permanent'));
    expect(f.reputation.paused).toBeUndefined();
  });

  it('pauses marketing email when complaints reach 0.08% of sends', async () => {
    const f = feedbackDeps();
    await f.reputation.add(NOON_NY, { sends: 1250 });
    await call(f.deps, complaint());
    expect(f.reputation.paused).toMatchObject({ reason: 'complaint_rate' });
  });

  it('does not judge before the minimum volume of sends', async () => {
    const f = feedbackDeps();
    await f.reputation.add(NOON_NY, { sends: 99, bounces: 50 });
    await call(f.deps, bounce('Permanent'));
    expect(f.reputation.paused).toBeUndefined();
  });

  it('forgets sends and bounces older than the rolling window', async () => {
    const f = feedbackDeps();
    await f.reputation.add(new Date(NOON_NY.getTime() - 8 * 86_400_000), { sends: 100, bounces: 10 });
    await f.reputation.add(NOON_NY, { sends: 200 });
    await call(f.deps, bounce('Permanent'));
    expect(f.reputation.paused).toBeUndefined();
  });

  it('counts a complaint delivered three times once, so it does not pause marketing email', async () => {
    const f = feedbackDeps();
    // One complaint in 2,500 sends is 0.04%, under the 0.08% threshold; three would be 0.12%.
    await f.reputation.add(NOON_NY, { sends: 2500 });
    for (let i = 0; i < 3; i++) await call(f.deps, complaint('c-1'));
    expect((await f.reputation.totals(NOON_NY, NOON_NY)).complaints).toBe(1);
    expect(f.reputation.paused).toBeUndefined();
    expect(f.counts.get('ProviderEventDuplicate|channel=email|type=complained')).toBe(2);
    // The suppression stands whatever the delivery.
    expect(
      f.suppressions.byKey.get(`A#${addressHash(testHasher, 'email', 'ada@example.com')}`)?.[0],
    ).toMatchObject({
      reason: 'complaint',
    });
  });

  it('counts a redelivered bounce once, and two different complaints twice', async () => {
    const f = feedbackDeps();
    await call(f.deps, bounce('Permanent'));
    await call(f.deps, bounce('Permanent'));
    await call(f.deps, complaint('c-1'));
    await call(f.deps, complaint('c-2'));
    expect(await f.reputation.totals(NOON_NY, NOON_NY)).toEqual({ sends: 0, bounces: 1, complaints: 2 });
  });

  it('tells notifications without a feedbackId apart by their timestamp', () => {
    const parse = (e: unknown) => SesEventBridgeEvent.parse(e);
    const a = complaint();
    const later = parse(a);
    const b = {
      ...later,
      detail: {
        ...later.detail,
        complaint: { complainedRecipients: [], timestamp: '2024-05-14T17:00:00.000Z' },
      },
    };
    expect(feedbackKey(parse(a), 'complained')).toBe(feedbackKey(parse(a), 'complained'));
    expect(feedbackKey(parse(a), 'complained')).not.toBe(feedbackKey(parse(b), 'complained'));
  });

  it('suppresses SMS to a number that texts STOP', async () => {
    const f = feedbackDeps();
    const inbound = {
      originationNumber: '+15551234567',
      destinationNumber: '+15550000000',
      messageBody: ' stop ',
    };
    expect(await call(f.deps, { Records: [{ Sns: { Message: JSON.stringify(inbound) } }] })).toEqual({
      handled: 1,
      ignored: 0,
    });
    expect(f.suppressions.byKey.get(`A#${addressHash(testHasher, 'phone', '+15551234567')}`)).toEqual([
      expect.objectContaining({ reason: 'sms_stop', channel: 'sms' }),
    ]);
  });

  it('skips the next SMS to a number whose STOP End User Messaging published to the inbound topic', async () => {
    const s = memorySendDeps();
    const f = feedbackDeps();
    f.deps = { ...f.deps, suppressions: s.suppressions };
    const result = await call(
      f.deps,
      inboundSmsEvent({
        ...DOCUMENTED_INBOUND_SMS,
        originationNumber: recipient().phone!,
        messageBody: 'Stop',
      }),
    );
    expect(result).toEqual({ handled: 1, ignored: 0 });
    expect(f.counts.get('ProviderEvent|channel=sms|type=stop')).toBe(1);
    expect(await send(s.deps, request({ channel: 'sms', purpose: 'transactional' }))).toMatchObject({
      reason: 'suppressed_sms_stop',
    });
  });

  it('reads the documented two-way payload and suppresses nothing for a reply that is not an opt-out', async () => {
    const f = feedbackDeps();
    expect(await call(f.deps, inboundSmsEvent(DOCUMENTED_INBOUND_SMS))).toEqual({ handled: 1, ignored: 0 });
    expect(f.suppressions.byKey.size).toBe(0);
  });

  it('takes the opt-out keyword the number matched as a STOP', async () => {
    const f = feedbackDeps();
    await call(
      f.deps,
      inboundSmsEvent({ ...DOCUMENTED_INBOUND_SMS, messageKeyword: 'STOP', messageBody: 'stop.' }),
    );
    expect(f.suppressions.byKey.get(`A#${addressHash(testHasher, 'phone', '+14255550182')}`)).toEqual([
      expect.objectContaining({ reason: 'sms_stop', channel: 'sms', source: 'inbound_sms' }),
    ]);
  });

  it('ignores and logs an SNS record whose message is not a two-way SMS', async () => {
    const f = feedbackDeps();
    const event = inboundSmsEvent(DOCUMENTED_INBOUND_SMS);
    event.Records.push({ ...event.Records[0]!, Sns: { ...event.Records[0]!.Sns, Message: 'not json' } });
    expect(await call(f.deps, event)).toEqual({ handled: 1, ignored: 1 });
    expect(f.logs).toContain('provider event ignored');
  });

  it('recognises carrier opt-out keywords only', () => {
    expect(['STOP', 'Unsubscribe', 'stopall', 'QUIT.'].every(isStopKeyword)).toBe(true);
    expect(['stop it please', 'HELP', 'yes'].some(isStopKeyword)).toBe(false);
  });

  it('ignores events it cannot read instead of failing', async () => {
    const f = feedbackDeps();
    expect(await call(f.deps, { source: 'aws.ses', detail: {} })).toEqual({ handled: 0, ignored: 1 });
  });
});
