/**
 * Provider feedback: SES events (through EventBridge) and inbound SMS STOPs. Records each event on the
 * ledger, suppresses on hard bounce, complaint and STOP, keeps rolling reputation counters and pauses
 * marketing email when the bounce or complaint rate crosses its threshold.
 */
import * as z from 'zod';
import type { ChannelsConfig } from '../../config/channels.js';
import type {
  ChannelMetrics,
  ConsentRecorder,
  Ledger,
  ReputationStore,
  SuppressionList,
} from '../../ports/channels.js';
import type { Logger } from '../../ports/logger.js';
import type { KeyedHasher } from '../privacy/keyed-hash.js';
import { addressHash } from './hashing.js';

const Recipients = z.array(z.object({ emailAddress: z.string() }).loose()).default([]);

/** The SES event record that EventBridge carries in `detail` (same shape as SNS/Firehose destinations). */
export const SesEventDetail = z
  .object({
    eventType: z.string(),
    mail: z
      .object({
        messageId: z.string(),
        timestamp: z.string().optional(),
        destination: z.array(z.string()).default([]),
        tags: z.record(z.string(), z.array(z.string())).default({}),
      })
      .loose(),
    bounce: z
      .object({
        bounceType: z.string(),
        bounceSubType: z.string().optional(),
        bouncedRecipients: Recipients,
        /** SES's id of this bounce notification: the same in every redelivery of it. */
        feedbackId: z.string().optional(),
        timestamp: z.string().optional(),
      })
      .loose()
      .optional(),
    complaint: z
      .object({
        complainedRecipients: Recipients,
        complaintFeedbackType: z.string().optional(),
        /** SES's id of this complaint notification: the same in every redelivery of it. */
        feedbackId: z.string().optional(),
        timestamp: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

/** An EventBridge event from SES (`source: aws.ses`, default bus). */
export const SesEventBridgeEvent = z
  .object({
    source: z.literal('aws.ses'),
    'detail-type': z.string(),
    time: z.string().optional(),
    detail: SesEventDetail,
  })
  .loose();
export type SesEventBridgeEvent = z.infer<typeof SesEventBridgeEvent>;

/** Ledger event names by EventBridge detail-type. */
export const SES_DETAIL_TYPES: Readonly<Record<string, string>> = {
  'Email Sent': 'sent',
  'Email Delivered': 'delivered',
  'Email Delivery Delayed': 'delivery_delayed',
  'Email Bounced': 'bounced',
  'Email Complaint Received': 'complained',
  'Email Opened': 'opened',
  'Email Clicked': 'clicked',
  'Email Rendering Failed': 'rendering_failed',
  'Email Rejected': 'rejected',
  'Email Subscribed': 'subscribed',
};

export interface FeedbackDeps {
  readonly ledger: Pick<Ledger, 'findByMessageId' | 'recordEvent'>;
  readonly suppressions: Pick<SuppressionList, 'suppress'>;
  readonly reputation: ReputationStore;
  readonly consent: ConsentRecorder;
  /** Hashes the addresses it suppresses, under the current key. */
  readonly hasher: KeyedHasher;
  readonly config: Pick<ChannelsConfig, 'feedback'>;
  readonly metrics: ChannelMetrics;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly now: () => Date;
}

export type FeedbackResult = {
  readonly type: string;
  readonly known: boolean;
  readonly suppressed: number;
  readonly paused: boolean;
  /** A bounce or complaint already counted (a redelivery): suppression repeated, nothing counted. */
  readonly duplicate: boolean;
};

/**
 * The identity of one bounce or complaint notification: SES's `mail.messageId` with the
 * notification's `feedbackId` (else its timestamp, else the event time). A redelivery has the same.
 */
export function feedbackKey(event: SesEventBridgeEvent, type: string): string {
  const d = event.detail;
  const part = (s: string) => s.slice(0, 200);
  const id =
    d.bounce?.feedbackId ??
    d.complaint?.feedbackId ??
    d.bounce?.timestamp ??
    d.complaint?.timestamp ??
    event.time ??
    '';
  return `ses#${type}#${part(d.mail.messageId)}#${part(id)}`;
}

/**
 * Handles one SES event. Suppression and consent withdrawal are idempotent and run on every
 * delivery; a bounce or complaint counts towards the reputation rates once per feedbackKey, so a
 * redelivered notification can neither count twice nor pause marketing email.
 */
export async function handleSesEvent(
  deps: FeedbackDeps,
  event: SesEventBridgeEvent,
): Promise<FeedbackResult> {
  const type = SES_DETAIL_TYPES[event['detail-type']] ?? 'other';
  const detail = event.detail;
  const at = event.time ?? deps.now().toISOString();
  const messageId = detail.mail.tags.feltfit_message_id?.[0];
  const entry = messageId ? await deps.ledger.findByMessageId(messageId) : undefined;
  if (entry && messageId) await deps.ledger.recordEvent(messageId, { type, at });
  deps.metrics.count('ProviderEvent', { channel: 'email', type });

  let suppressed = 0;
  let judge = false;
  let duplicate = false;
  const countOnce = async (counts: { bounces?: number; complaints?: number }) => {
    const counted = await deps.reputation.addOnce(feedbackKey(event, type), new Date(at), counts);
    if (!counted) {
      duplicate = true;
      deps.metrics.count('ProviderEventDuplicate', { channel: 'email', type });
    }
    return counted;
  };
  if (type === 'bounced' && detail.bounce?.bounceType === 'Permanent') {
    for (const r of detail.bounce.bouncedRecipients) {
      await deps.suppressions.suppress(
        { addressHash: addressHash(deps.hasher, 'email', r.emailAddress) },
        { reason: 'hard_bounce', channel: 'email', at, source: 'ses' },
      );
      suppressed++;
    }
    judge = await countOnce({ bounces: 1 });
  }
  if (type === 'complained') {
    for (const r of detail.complaint?.complainedRecipients ?? []) {
      await deps.suppressions.suppress(
        { addressHash: addressHash(deps.hasher, 'email', r.emailAddress) },
        { reason: 'complaint', channel: 'email', at, source: 'ses' },
      );
      suppressed++;
    }
    // A spam complaint is a withdrawal of email consent, too.
    if (entry) await deps.consent.withdraw(entry.profileId, 'email', 'ses_complaint', new Date(at));
    judge = await countOnce({ complaints: 1 });
  }
  deps.logger.info('provider event recorded', {
    channel: 'email',
    type,
    known: Boolean(entry),
    suppressed,
    duplicate,
  });
  const paused = judge ? await judgeReputation(deps, new Date(at)) : false;
  return { type, known: Boolean(entry), suppressed, paused, duplicate };
}

/** Why marketing email was paused: the `reason` dimension of `MarketingEmailPaused` (alarmed on). */
export const REPUTATION_PAUSE_REASONS = ['bounce_rate', 'complaint_rate'] as const;
export type ReputationPauseReason = (typeof REPUTATION_PAUSE_REASONS)[number];

/** The metric a pause emits, once, when it starts. */
export const REPUTATION_PAUSE_METRIC = 'MarketingEmailPaused';

/**
 * Pauses marketing email when, over the rolling window and with at least `minimumSends` sends, the hard
 * bounce rate or the complaint rate reaches its threshold. Returns true when this call paused it.
 */
export async function judgeReputation(deps: FeedbackDeps, at: Date): Promise<boolean> {
  const cfg = deps.config.feedback;
  const totals = await deps.reputation.totals(new Date(at.getTime() - cfg.windowHours * 3_600_000), at);
  if (totals.sends < cfg.minimumSends) return false;
  const bounceRate = totals.bounces / totals.sends;
  const complaintRate = totals.complaints / totals.sends;
  const reason: ReputationPauseReason | undefined =
    bounceRate >= cfg.bounceRate
      ? 'bounce_rate'
      : complaintRate >= cfg.complaintRate
        ? 'complaint_rate'
        : undefined;
  if (!reason || (await deps.reputation.isPaused())) return false;
  await deps.reputation.pause({ reason, at: at.toISOString(), bounceRate, complaintRate });
  deps.metrics.count(REPUTATION_PAUSE_METRIC, { reason });
  deps.logger.warn('marketing email paused', { reason, bounceRate, complaintRate, sends: totals.sends });
  return true;
}

/** Keywords carriers treat as opt-out. */
const STOP_KEYWORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'REVOKE',
]);

/** Whether an inbound SMS body is an opt-out keyword. */
export function isStopKeyword(body: string): boolean {
  return STOP_KEYWORDS.has(
    body
      .trim()
      .toUpperCase()
      .replace(/[^A-Z]/g, ''),
  );
}

/**
 * An inbound SMS: the JSON End User Messaging SMS publishes to the number's two-way channel (an SNS
 * topic) for every message a person sends to it (docs: "Example of a two-way SMS message payload for
 * Amazon SNS topics"). Only the sender and the body are needed; the rest is kept for the record.
 */
export const InboundSms = z
  .object({
    /** The person's number, E.164. */
    originationNumber: z.string().min(3),
    /** The number they texted (ours). */
    destinationNumber: z.string().optional(),
    /** The registered keyword of our number the message matched, if any. */
    messageKeyword: z.string().optional(),
    messageBody: z.string(),
    inboundMessageId: z.string().optional(),
    /** The id of our message they are replying to. */
    previousPublishedMessageId: z.string().optional(),
  })
  .loose();
export type InboundSms = z.infer<typeof InboundSms>;

/**
 * Suppresses the sender's number for SMS when the message is STOP or another opt-out keyword — in its
 * body or as the registered keyword it matched. Repeating it (an SNS redelivery) is harmless.
 */
export async function handleInboundSms(
  deps: Pick<FeedbackDeps, 'suppressions' | 'hasher' | 'metrics' | 'logger' | 'now'>,
  sms: InboundSms,
): Promise<{ stopped: boolean }> {
  const stop =
    isStopKeyword(sms.messageBody) || (sms.messageKeyword !== undefined && isStopKeyword(sms.messageKeyword));
  if (!stop) return { stopped: false };
  await deps.suppressions.suppress(
    { addressHash: addressHash(deps.hasher, 'phone', sms.originationNumber) },
    { reason: 'sms_stop', channel: 'sms', at: deps.now().toISOString(), source: 'inbound_sms' },
  );
  deps.metrics.count('ProviderEvent', { channel: 'sms', type: 'stop' });
  deps.logger.info('sms opt-out recorded', { channel: 'sms' });
  return { stopped: true };
}
