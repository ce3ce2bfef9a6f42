/**
 * Send reconciliation: what becomes of a send whose outcome nobody knows — the provider call timed
 * out (its answer was lost, the message may be out), or the invocation died between the ledger
 * claim and the settle, leaving the entry `sending`. A `sending` claim holds a lease
 * (`ledger.leaseSeconds`, 2× the send function's timeout); a replay within it is told to come back
 * later (`send_in_flight`, retryable), a replay after it applies the policy of the message's
 * channel and purpose:
 *
 *   resend   send again, under the same messageId: losing a receipt, a password reset or an order
 *            update is worse than the rare duplicate (SES, SNS and End User Messaging have no
 *            idempotency key). Counted `reconciled_resent` once the re-send is out.
 *   unknown  do not send again: a second promotional message is worse than a missing one. The entry
 *            becomes `unknown`, the outcome is `Failed{reconciled_unknown}`, counted and shown in the
 *            overview's message figures.
 *
 * In-app messages always re-send: the inbox is keyed by the messageId, so a re-send overwrites.
 * docs/channels.md#send-reconciliation has the table.
 */
import type { Channel, LedgerEntry } from '../../ports/channels.js';

export type ReconcilePolicy = 'resend' | 'unknown';
type Purpose = LedgerEntry['purpose'];

/** The policy per channel and purpose. */
export const RECONCILE_POLICY: Readonly<Record<Channel, Readonly<Record<Purpose, ReconcilePolicy>>>> = {
  email: { transactional: 'resend', marketing: 'unknown' },
  // A duplicate promotional text also costs the recipient and risks a carrier complaint.
  sms: { transactional: 'resend', marketing: 'unknown' },
  push: { transactional: 'resend', marketing: 'unknown' },
  inApp: { transactional: 'resend', marketing: 'resend' },
};

/** Reason codes and counter names of reconciliation. */
export const RECONCILED = {
  /** Outcome reason (and message-log reason) of a send the policy did not repeat. */
  unknown: 'reconciled_unknown',
  /** Message-log reason of the Sent outcome of a re-send. */
  resent: 'reconciled_resent',
  /** Retryable failure of a replay that found the step claimed and its lease still running. */
  inFlight: 'send_in_flight',
  /** Provider failure whose answer was lost (the adapters' providerFailure). */
  providerTimeout: 'provider_timeout',
} as const;

/** The policy of a message. */
export function reconcilePolicy(channel: Channel, purpose: Purpose): ReconcilePolicy {
  return RECONCILE_POLICY[channel][purpose];
}

/** Whether a `sending` entry's lease has run out at `now` (an entry without a lease predates leases). */
export function leaseExpired(entry: LedgerEntry, now: Date): boolean {
  if (entry.status !== 'sending') return false;
  if (!entry.leaseUntil) return true;
  return Date.parse(entry.leaseUntil) <= now.getTime();
}

/**
 * Whether an entry stands for a send that may already be out: a claim abandoned past its lease, or a
 * provider call that timed out.
 */
export function outcomeUnknown(entry: LedgerEntry, now: Date): boolean {
  if (entry.status === 'sending') return leaseExpired(entry, now);
  return entry.status === 'failed' && entry.reason === RECONCILED.providerTimeout;
}
