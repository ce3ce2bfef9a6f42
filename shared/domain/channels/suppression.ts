/**
 * Which suppressions stop a send, and the skip reason each gives. Apart from send.ts so the campaign
 * estimate, which asks the same question, does not load the send path's Liquid renderer.
 */
import type { Channel, SuppressionEntry } from '../../ports/channels.js';
import { REASONS, type SendRequest, type SkipReason } from './schemas.js';

/** Which suppressions block which purposes: unsubscribes are about marketing, the rest about the address. */
export function suppressionBlocks(
  entry: SuppressionEntry,
  channel: Channel,
  purpose: SendRequest['purpose'],
): boolean {
  switch (entry.reason) {
    case 'hard_bounce':
    case 'complaint':
      return channel === 'email';
    case 'sms_stop':
      // Carriers and the CTIA treat STOP as opting out of every message from the sender.
      return channel === 'sms';
    case 'endpoint_disabled':
      return channel === 'push';
    case 'unsubscribe':
      return purpose === 'marketing' && entry.channel === channel;
  }
}

/** The skip reason of each kind of suppression. */
export const SUPPRESSION_REASON: Record<SuppressionEntry['reason'], SkipReason> = {
  hard_bounce: REASONS.suppressedHardBounce,
  complaint: REASONS.suppressedComplaint,
  unsubscribe: REASONS.suppressedUnsubscribe,
  sms_stop: REASONS.suppressedSmsStop,
  endpoint_disabled: REASONS.suppressedEndpointDisabled,
};
