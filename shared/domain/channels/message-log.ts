/**
 * The delivery log: every decided message outcome (sent, skipped with the rule's reason, failed),
 * newest first, for the console's Messages page and `GET /admin/messages`. The send function writes
 * one entry per outcome it decides and decide one per step left without approved content
 * (`no_approved_variant`), through the MessageOutcomeLog port (shared/ports/activity.ts); the layout
 * is in docs/channels.md ("The message log").
 */
import * as z from 'zod';
import { REASONS } from './schemas.js';

export const MESSAGE_CHANNELS = ['email', 'sms', 'push', 'inApp'] as const;
export const MESSAGE_STATUSES = ['sent', 'skipped', 'failed'] as const;
/** Reason codes an entry can carry: the send rules', decide's, and the providers' failures. */
export const MESSAGE_REASONS = [
  ...Object.values(REASONS).filter((r) => r !== REASONS.duplicate),
  'no_approved_variant',
  'provider_error',
  'provider_rejected',
  'provider_unavailable',
  'provider_unreachable',
  'provider_timeout',
  'throttled',
  'no_push_endpoint',
  'reconciled_resent',
  'reconciled_unknown',
] as const;

/** Query of `GET /admin/messages`. */
export const MessagesQuery = z.object({
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  reason: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_]+$/, 'a reason code')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});
export type MessagesQuery = z.infer<typeof MessagesQuery>;

/**
 * One entry of the log: the shape of a MessageOutcome (shared/ports/activity.ts), so one writer
 * serves the delivery log and the per-person log. The profile id is Feltfit's opaque id; no address
 * is ever logged.
 */
export interface MessageLogEntry {
  readonly profileId: string;
  readonly at: string;
  readonly channel: string;
  readonly journey: string;
  readonly step: string;
  readonly executionId: string;
  readonly variantId?: string;
  readonly intent?: string;
  readonly status: (typeof MESSAGE_STATUSES)[number];
  readonly reason?: string;
}

export interface MessageLogPage {
  readonly messages: readonly MessageLogEntry[];
  /** Present when older entries may follow. */
  readonly cursor?: string;
}

/** Reads the log newest first, filtered. */
export interface MessageLogReader {
  list(query: Omit<MessagesQuery, 'limit'> & { readonly limit: number }): Promise<MessageLogPage>;
}

/** The filters the console offers, so the browser holds no list of codes. */
export const MESSAGE_FILTERS = {
  channels: MESSAGE_CHANNELS,
  statuses: MESSAGE_STATUSES,
  reasons: MESSAGE_REASONS,
} as const;

/** The page of the log a query asks for, with the filter options. */
export async function listMessages(reader: MessageLogReader, query: MessagesQuery) {
  const page = await reader.list(query);
  return { ...page, filters: MESSAGE_FILTERS };
}

/** How long the delivery log keeps an entry (the ledger keeps its own for longer). */
export const MESSAGE_LOG_RETENTION_DAYS = 90;

/** Day partition of an instant (`yyyy-mm-dd`, UTC). */
export const dayOf = (iso: string) => new Date(Date.parse(iso)).toISOString().slice(0, 10);
