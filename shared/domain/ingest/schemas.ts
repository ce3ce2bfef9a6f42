/**
 * Segment Tracking API message schemas (https://segment.com/docs/connections/spec/). Schemas are the
 * types: the ingest use case, the tests and any OpenAPI document use these.
 *
 * Leniencies, chosen so that the Segment and RudderStack SDKs work unchanged:
 * - `userId`, `anonymousId`, `groupId` and `previousId` may be numbers; they are coerced to strings
 *   (`42` → `"42"`), as Segment's own node SDK does.
 * - `null` for an optional field means "absent" (analytics.js sends `userId: null` for anonymous users).
 * - timestamps must be ISO-8601 (`2024-05-01`, `2024-05-01T10:00:00Z`, `…+02:00`, `…+0200`); a
 *   date-time without an offset is read as UTC.
 */
// zod/mini: the same validation as zod's classic API in a tree-shakable form, which keeps the ingest
// bundle small (the classic API pulls ~440 KB of locales into every bundle).
import * as z from 'zod/mini';

export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export const MessageType = z.enum(MESSAGE_TYPES);
export type MessageType = z.infer<typeof MessageType>;

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Epoch milliseconds of an ISO-8601 string, or NaN when it is not one. */
export function parseIsoMillis(text: string): number {
  if (!ISO_8601.test(text)) return Number.NaN;
  if (text.length === 10) return Date.parse(text); // date only: UTC midnight
  let s = text.replace(' ', 'T').replace(',', '.');
  s = s.replace(/\.(\d{3})\d+/, '.$1'); // keep milliseconds
  const offset = /([Zz]|[+-]\d{2}(?::?\d{2})?)$/.exec(s);
  if (!offset) s += 'Z';
  else if (/^[+-]\d{2}$/.test(offset[1] ?? '')) s += ':00';
  else if (/^[+-]\d{4}$/.test(offset[1] ?? '')) s = `${s.slice(0, -2)}:${s.slice(-2)}`;
  return Date.parse(s);
}

/** An ISO-8601 timestamp, kept as the client sent it. */
export const IsoTimestamp = z.string().check(
  z.maxLength(64),
  z.refine((s) => Number.isFinite(parseIsoMillis(s)), { message: 'must be an ISO-8601 timestamp' }),
);

/** A person or group identifier: non-blank string, or a finite number coerced to a string. */
export const Identifier = z.pipe(
  z.union([
    z.string().check(
      z.maxLength(1024),
      z.refine((s) => s.trim().length > 0, { message: 'must not be blank' }),
    ),
    z.number(),
  ]),
  z.transform((v) => String(v)),
);

/** A free-form JSON object (traits, properties, context). */
export const JsonObject = z.record(z.string(), z.unknown());

/** Destination switches: `{ All: false, Mixpanel: true, 'Google Analytics': { clientId: … } }`. */
export const Integrations = z.record(z.string(), z.union([z.boolean(), JsonObject]));

const Name = z.string().check(z.maxLength(1024));

/** Fields every message may carry. */
const common = {
  messageId: z.nullish(z.string().check(z.minLength(1), z.maxLength(100))),
  userId: z.nullish(Identifier),
  anonymousId: z.nullish(Identifier),
  timestamp: z.nullish(IsoTimestamp),
  originalTimestamp: z.nullish(IsoTimestamp),
  sentAt: z.nullish(IsoTimestamp),
  context: z.nullish(JsonObject),
  integrations: z.nullish(Integrations),
  channel: z.nullish(z.string().check(z.maxLength(64))),
  version: z.nullish(z.union([z.string().check(z.maxLength(64)), z.number()])),
  _metadata: z.nullish(JsonObject),
  writeKey: z.nullish(z.string().check(z.maxLength(256))),
};

function withIdentity<T extends z.ZodMiniObject>(schema: T): T {
  return schema.check(
    z.superRefine((msg, ctx) => {
      const m = msg as { userId?: string | null; anonymousId?: string | null };
      if (m.userId == null && m.anonymousId == null) {
        ctx.issues.push({
          code: 'custom',
          path: ['userId'],
          message: 'userId or anonymousId is required',
          input: msg,
        });
      }
    }),
  );
}

export const IdentifyMessage = withIdentity(z.object({ ...common, traits: z.nullish(JsonObject) }));
export type IdentifyMessage = z.infer<typeof IdentifyMessage>;

export const TrackMessage = withIdentity(
  z.object({
    ...common,
    event: z.string().check(
      z.maxLength(1024),
      z.refine((s) => s.trim().length > 0, { message: 'must not be blank' }),
    ),
    properties: z.nullish(JsonObject),
  }),
);
export type TrackMessage = z.infer<typeof TrackMessage>;

export const PageMessage = withIdentity(
  z.object({
    ...common,
    name: z.nullish(Name),
    category: z.nullish(Name),
    properties: z.nullish(JsonObject),
  }),
);
export type PageMessage = z.infer<typeof PageMessage>;

export const ScreenMessage = PageMessage;
export type ScreenMessage = PageMessage;

export const GroupMessage = withIdentity(
  z.object({ ...common, groupId: Identifier, traits: z.nullish(JsonObject) }),
);
export type GroupMessage = z.infer<typeof GroupMessage>;

export const AliasMessage = withIdentity(z.object({ ...common, previousId: Identifier }));
export type AliasMessage = z.infer<typeof AliasMessage>;

/** Schema per message type. */
export const MESSAGE_SCHEMAS = {
  identify: IdentifyMessage,
  track: TrackMessage,
  page: PageMessage,
  screen: ScreenMessage,
  group: GroupMessage,
  alias: AliasMessage,
} as const;

/** Any validated message, before normalisation. */
export type ParsedMessage = IdentifyMessage | TrackMessage | PageMessage | GroupMessage | AliasMessage;

/** Top-level fields the schemas know; anything else is nested under `extra`, never trusted. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'type',
  ...Object.keys(common),
  'traits',
  'event',
  'properties',
  'name',
  'category',
  'groupId',
  'previousId',
]);

/** `POST /v1/batch` envelope. Messages are validated one by one, so one bad message spoils nothing. */
export const BatchEnvelope = z.object({
  batch: z.array(z.unknown()),
  sentAt: z.nullish(IsoTimestamp),
  context: z.nullish(JsonObject),
  writeKey: z.nullish(z.string().check(z.maxLength(256))),
});
export type BatchEnvelope = z.infer<typeof BatchEnvelope>;

/** A message after normalisation: what the event store keeps and the admin API returns. */
export interface NormalisedMessage {
  readonly messageId: string;
  readonly type: MessageType;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly event?: string;
  readonly name?: string;
  readonly category?: string;
  readonly groupId?: string;
  readonly previousId?: string;
  readonly traits?: Record<string, unknown>;
  readonly properties?: Record<string, unknown>;
  readonly context?: Record<string, unknown>;
  readonly integrations?: Record<string, unknown>;
  readonly channel?: string;
  readonly version?: string | number;
  readonly _metadata?: Record<string, unknown>;
  /** Skew-corrected event time (ISO-8601, UTC). */
  readonly timestamp: string;
  /** The client's own timestamp, as sent. */
  readonly originalTimestamp?: string;
  readonly sentAt?: string;
  /** Server time of receipt (ISO-8601, UTC). */
  readonly receivedAt: string;
  /** Source that owns the write key; set by the server only. */
  readonly sourceId: string;
  /** Unknown top-level fields the client sent, kept apart so they can never shadow server fields. */
  readonly extra?: Record<string, unknown>;
}
