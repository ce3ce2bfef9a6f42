import { isPlainRecord, mergeUnder } from './safe-json.js';
import {
  KNOWN_FIELDS,
  type MessageType,
  type NormalisedMessage,
  type ParsedMessage,
  parseIsoMillis,
} from './schemas.js';

/** Server-side facts added to every message. */
export interface NormaliseContext {
  readonly type: MessageType;
  readonly receivedAt: Date;
  readonly sourceId: string;
  /** The batch envelope's sentAt, used when the message has none. */
  readonly batchSentAt?: string | null | undefined;
  /** The batch envelope's context, merged under the message's own. */
  readonly batchContext?: Record<string, unknown> | null | undefined;
  readonly newId: () => string;
}

/** Largest magnitude a JS Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * Corrects the client's clock: `timestamp = receivedAt − (sentAt − clientTimestamp)`. Without sentAt
 * the client timestamp stands; without a client timestamp the event happened when it was received.
 */
export function correctedTimestamp(
  receivedAt: Date,
  clientTimestamp: string | null | undefined,
  sentAt: string | null | undefined,
): Date {
  if (!clientTimestamp) return receivedAt;
  const client = parseIsoMillis(clientTimestamp);
  const sent = sentAt ? parseIsoMillis(sentAt) : Number.NaN;
  const ms = Number.isFinite(sent) ? receivedAt.getTime() - (sent - client) : client;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms) : receivedAt;
}

/** Top-level fields the schemas do not know, kept aside under `extra`. */
export function unknownFields(raw: Record<string, unknown>): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(raw)) {
    if (KNOWN_FIELDS.has(key)) continue;
    extra[key] = value;
    any = true;
  }
  return any ? extra : undefined;
}

function defined<T extends Record<string, unknown>>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined || obj[key] === null) delete obj[key];
  return obj;
}

/**
 * Builds the stored form of a validated message: server fields (messageId when absent, receivedAt,
 * corrected timestamp, sourceId) are set here and only here, so nothing the client sends can override them.
 */
export function normalise(
  msg: ParsedMessage,
  raw: Record<string, unknown>,
  ctx: NormaliseContext,
): NormalisedMessage {
  const m = msg as ParsedMessage & Record<string, unknown>;
  const clientTimestamp = msg.timestamp ?? msg.originalTimestamp;
  const sentAt = msg.sentAt ?? ctx.batchSentAt;
  const context =
    ctx.batchContext && isPlainRecord(ctx.batchContext)
      ? mergeUnder(ctx.batchContext, msg.context ?? {})
      : (msg.context ?? undefined);
  return defined({
    messageId: msg.messageId ?? ctx.newId(),
    type: ctx.type,
    userId: msg.userId ?? undefined,
    anonymousId: msg.anonymousId ?? undefined,
    event: m.event as string | undefined,
    name: m.name as string | undefined,
    category: m.category as string | undefined,
    groupId: m.groupId as string | undefined,
    previousId: m.previousId as string | undefined,
    traits: m.traits as Record<string, unknown> | undefined,
    properties: m.properties as Record<string, unknown> | undefined,
    context: context && Object.keys(context).length > 0 ? context : undefined,
    integrations: msg.integrations ?? undefined,
    channel: msg.channel ?? undefined,
    version: msg.version ?? undefined,
    _metadata: msg._metadata ?? undefined,
    timestamp: correctedTimestamp(ctx.receivedAt, clientTimestamp, sentAt).toISOString(),
    originalTimestamp: msg.originalTimestamp ?? msg.timestamp ?? undefined,
    sentAt: sentAt ?? undefined,
    receivedAt: ctx.receivedAt.toISOString(),
    sourceId: ctx.sourceId,
    extra: unknownFields(raw),
  }) as NormalisedMessage;
}
