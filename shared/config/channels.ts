/**
 * Configuration of the channels context: contact-pressure caps, quiet hours, sender identities,
 * provider-feedback thresholds. The lead composes `ChannelsConfig` into FeltfitConfig; functions receive
 * it as JSON in the `CHANNELS_CONFIG` env var, parsed once at cold start.
 */
import * as z from 'zod';

export const Channel = z.enum(['email', 'sms', 'push', 'inApp']);
export type Channel = z.infer<typeof Channel>;

/** `HH:MM` local wall-clock time. */
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

/** One contact-pressure cap: at most `max` marketing sends on a channel within a rolling window. */
export const PressureCap = z.object({
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90),
  max: z.number().int().min(0),
  /**
   * Slots of `max` kept for journeys whose priority is at least `priority.reservedFrom`: other journeys
   * may use only `max - reserved` slots of this window.
   */
  reserved: z.number().int().min(0).default(0),
});
export type PressureCap = z.infer<typeof PressureCap>;

/** Allowed sending window in the recipient's local time: [start, end). */
export const SendWindow = z.object({ start: ClockTime, end: ClockTime });
export type SendWindow = z.infer<typeof SendWindow>;

export const ChannelsConfig = z.object({
  /** Rolling-window caps on marketing sends, per channel, across all journeys. */
  caps: z.object({
    email: z.array(PressureCap),
    sms: z.array(PressureCap),
    push: z.array(PressureCap),
    inApp: z.array(PressureCap),
  }),
  priority: z.object({
    /** Journeys with `priority >= reservedFrom` may use the reserved slots of each cap. */
    reservedFrom: z.number().int().min(0).max(100),
  }),
  quietHours: z.object({
    /** Time zone used when the recipient's is unknown or invalid (IANA name). */
    defaultTimeZone: z.string().min(1),
    /** Allowed windows for marketing sends per channel; a channel without one has no quiet hours. */
    allowed: z.object({
      email: SendWindow.optional(),
      sms: SendWindow.optional(),
      push: SendWindow.optional(),
      inApp: SendWindow.optional(),
    }),
    /** Apply the built-in table of stricter US state SMS windows when the recipient's state is known. */
    usStateRules: z.boolean(),
  }),
  email: z.object({
    fromAddress: z.string().min(3),
    replyTo: z.string().min(3).optional(),
    configurationSet: z.string().min(1).optional(),
    /** CAN-SPAM: the sender's physical postal address, appended to every marketing email. */
    postalAddress: z.string().min(1),
    /** Public base URL of the unsubscribe endpoint, e.g. https://api.example.com/v1/unsubscribe. */
    unsubscribeUrl: z.url(),
    /** Public URL of a preference page of your own; default: `unsubscribeUrl?view=preferences`. */
    preferencesUrl: z.url().optional(),
    /** Mailbox for `List-Unsubscribe: <mailto:…>`; optional. */
    unsubscribeMailto: z.string().min(3).optional(),
    /** How long an unsubscribe link keeps working (CAN-SPAM asks for at least 30 days). */
    unsubscribeTokenDays: z.number().int().min(30).max(3650),
  }),
  sms: z.object({
    /** End User Messaging origination identity (phone number, pool, sender id ARN); without it SNS is used. */
    originationIdentity: z.string().min(1).optional(),
    configurationSet: z.string().min(1).optional(),
    /** SNS sender id / origination number, optional. */
    senderId: z.string().min(1).max(11).optional(),
    originationNumber: z.string().min(1).optional(),
    optOutText: z.string().min(1),
  }),
  push: z.object({
    /** SNS platform application ARNs by platform. */
    platformApplicationArns: z.object({
      ios: z.string().min(1).optional(),
      android: z.string().min(1).optional(),
    }),
    /** Publish to APNS_SANDBOX instead of APNS. */
    apnsSandbox: z.boolean(),
  }),
  inbox: z.object({ retentionDays: z.number().int().min(1).max(3650) }),
  ledger: z.object({
    retentionDays: z.number().int().min(1).max(3650),
    /**
     * Seconds a `sending` claim is held before a replay treats it as abandoned (a crash or a
     * timeout mid-send) and reconciles it: at least 2× the send function's timeout (10 s), so the
     * invocation that claimed is surely gone.
     */
    leaseSeconds: z.number().int().min(1).max(3600).default(20),
  }),
  feedback: z.object({
    /** Rolling window over which bounce and complaint rates are judged. */
    windowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30),
    /** Sends in the window before any rate is judged. */
    minimumSends: z.number().int().min(1),
    /** Pause marketing email when bounces / sends reaches this (0.02 = 2%). */
    bounceRate: z.number().gt(0).lt(1),
    /** Pause marketing email when complaints / sends reaches this (0.0008 = 0.08%). */
    complaintRate: z.number().gt(0).lt(1),
  }),
});
export type ChannelsConfig = z.infer<typeof ChannelsConfig>;

/** Defaults: 1 marketing email a day and 3 a week (1 kept for priority journeys), 2 SMS a week, 1 push a day. */
export const defaultChannelsConfig: ChannelsConfig = {
  caps: {
    email: [
      { windowHours: 24, max: 1, reserved: 0 },
      { windowHours: 24 * 7, max: 3, reserved: 1 },
    ],
    sms: [{ windowHours: 24 * 7, max: 2, reserved: 0 }],
    push: [{ windowHours: 24, max: 1, reserved: 0 }],
    inApp: [],
  },
  priority: { reservedFrom: 50 },
  quietHours: {
    defaultTimeZone: 'UTC',
    allowed: { sms: { start: '08:00', end: '21:00' }, push: { start: '08:00', end: '21:00' } },
    usStateRules: true,
  },
  email: {
    fromAddress: 'Feltfit <hello@example.com>',
    postalAddress: 'Example Inc., 1 Example Street, Springfield, USA',
    unsubscribeUrl: 'http://localhost:3000/v1/unsubscribe',
    unsubscribeTokenDays: 90,
  },
  sms: { optOutText: 'Reply STOP to opt out' },
  push: { platformApplicationArns: {}, apnsSandbox: false },
  inbox: { retentionDays: 90 },
  ledger: { retentionDays: 400, leaseSeconds: 20 },
  feedback: { windowHours: 24 * 7, minimumSends: 500, bounceRate: 0.02, complaintRate: 0.0008 },
};

/** Parses `CHANNELS_CONFIG` (JSON) or falls back to the defaults; fails fast naming the variable. */
export function channelsConfigFromEnv(env: Record<string, string | undefined>): ChannelsConfig {
  const raw = env.CHANNELS_CONFIG;
  if (raw === undefined || raw === '') return defaultChannelsConfig;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new Error('invalid environment: CHANNELS_CONFIG is not JSON', { cause });
  }
  const parsed = ChannelsConfig.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(`invalid environment: CHANNELS_CONFIG (${paths})`);
  }
  return parsed.data;
}

/**
 * `FELTFIT_TIME_SCALE`: how many times faster than real time the guardrail windows run. Only the
 * local runtime sets it (with its journey speed-up); absent — as in AWS — it is 1, real time.
 */
export function timeScaleFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.FELTFIT_TIME_SCALE;
  if (raw === undefined || raw === '') return 1;
  const speed = Number(raw);
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new Error('invalid environment: FELTFIT_TIME_SCALE must be a positive number');
  return speed;
}
