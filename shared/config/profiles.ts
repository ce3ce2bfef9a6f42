/**
 * Configuration of the profiles context: identity resolution, trait schema (data minimisation),
 * consent mapping and feature bounds. The lead composes `ProfilesConfig` into FeltfitConfig; the
 * projector receives it as JSON in `PROFILES_CONFIG` (absent → `defaultProfilesConfig`).
 */
import * as z from 'zod';

export const IDENTIFIER_TYPES = ['userId', 'email', 'phone', 'deviceId', 'anonymousId'] as const;
export const IdentifierType = z.enum(IDENTIFIER_TYPES);
export type IdentifierType = z.infer<typeof IdentifierType>;

export const CHANNELS = ['email', 'sms', 'push', 'inApp'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const PURPOSES = ['marketing', 'transactional'] as const;
export const Purpose = z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;

/**
 * Paid media's purposes, under the consent scope `ads` rather than a messaging channel: `advertising`
 * lets a person be uploaded to any ad platform's audience; `adUserData` and `adPersonalization` are
 * Google's two EU user consent signals (Consent Mode's `ad_user_data` and `ad_personalization`),
 * needed as well for people in the EEA, the UK and Switzerland (docs/audiences.md).
 */
export const AD_PURPOSES = ['advertising', 'adUserData', 'adPersonalization'] as const;
export const AdPurpose = z.enum(AD_PURPOSES);
export type AdPurpose = z.infer<typeof AdPurpose>;

/** What a consent statement is about: a messaging channel, or `ads` for paid media. */
export type ConsentScope = Channel | 'ads';

/**
 * Which channel and purpose a consent category or trait speaks for: a messaging channel with
 * `marketing` or `transactional`, or `ads` with one of the advertising purposes.
 */
export const ConsentTarget = z.discriminatedUnion('channel', [
  z.object({ channel: Channel, purpose: Purpose }),
  z.object({ channel: z.literal('ads'), purpose: AdPurpose }),
]);
export type ConsentTarget = z.infer<typeof ConsentTarget>;

export const TraitType = z.enum(['string', 'number', 'boolean', 'date', 'email', 'phone']);
export type TraitType = z.infer<typeof TraitType>;

/** A declared trait: what it is and why Feltfit collects it. Undeclared traits are dropped. */
export const TraitSpec = z.object({ type: TraitType, purpose: z.string().min(1).max(200) });
export type TraitSpec = z.infer<typeof TraitSpec>;

const Limit = z.number().int().min(1).max(100);

export const ProfilesConfig = z.object({
  /** ISO 3166 alpha-2 country whose calling code completes national phone numbers. */
  defaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('US'),
  /** Identifier types from strongest to weakest: the strongest names a new profile and wins merges. */
  identifierPriority: z
    .array(IdentifierType)
    .length(IDENTIFIER_TYPES.length)
    .refine((a) => new Set(a).size === a.length, { message: 'must list each identifier type once' })
    .default(['userId', 'email', 'phone', 'deviceId', 'anonymousId']),
  /** Most identifiers of a type one profile may hold; a merge that would exceed one is refused. */
  identifierLimits: z
    .object({ userId: Limit, email: Limit, phone: Limit, deviceId: Limit, anonymousId: Limit })
    .default({ userId: 1, email: 5, phone: 3, deviceId: 20, anonymousId: 100 }),
  /** Values never used as identifiers (compared trimmed and case-insensitively). */
  blockedValues: z
    .array(z.string().max(200))
    .default(['null', 'undefined', 'test@test.com', '0', '-1', 'unknown', 'anonymous', '']),
  /** Trait schema: name → { type, purpose }. */
  traits: z.record(z.string().min(1).max(100), TraitSpec).default({
    email: { type: 'email', purpose: 'contact: sending email the person asked for' },
    phone: { type: 'phone', purpose: 'contact: sending SMS the person asked for' },
    firstName: { type: 'string', purpose: 'personalisation: greeting in messages' },
    lastName: { type: 'string', purpose: 'personalisation: greeting in messages' },
    // A content variable (`profile.traits.city`); undeclared, every identify would drop it.
    city: { type: 'string', purpose: 'personalisation: local details in messages' },
    createdAt: { type: 'date', purpose: 'lifecycle: tenure in churn and CLV models' },
    plan: { type: 'string', purpose: 'segmentation: plan-specific journeys' },
  }),
  consent: z
    .object({
      /** `context.consent.categoryPreferences` category → channel and purpose it grants or withdraws. */
      categories: z.record(z.string().min(1).max(100), ConsentTarget).default({
        email: { channel: 'email', purpose: 'marketing' },
        sms: { channel: 'sms', purpose: 'marketing' },
        push: { channel: 'push', purpose: 'marketing' },
        inApp: { channel: 'inApp', purpose: 'marketing' },
        advertising: { channel: 'ads', purpose: 'advertising' },
        ad_user_data: { channel: 'ads', purpose: 'adUserData' },
        ad_personalization: { channel: 'ads', purpose: 'adPersonalization' },
      }),
      /** Boolean identify traits that grant or withdraw consent. */
      traits: z.record(z.string().min(1).max(100), ConsentTarget).default({
        emailOptIn: { channel: 'email', purpose: 'marketing' },
        smsOptIn: { channel: 'sms', purpose: 'marketing' },
        pushOptIn: { channel: 'push', purpose: 'marketing' },
        advertisingOptIn: { channel: 'ads', purpose: 'advertising' },
      }),
    })
    .default({
      categories: {
        email: { channel: 'email', purpose: 'marketing' },
        sms: { channel: 'sms', purpose: 'marketing' },
        push: { channel: 'push', purpose: 'marketing' },
        inApp: { channel: 'inApp', purpose: 'marketing' },
        advertising: { channel: 'ads', purpose: 'advertising' },
        ad_user_data: { channel: 'ads', purpose: 'adUserData' },
        ad_personalization: { channel: 'ads', purpose: 'adPersonalization' },
      },
      traits: {
        emailOptIn: { channel: 'email', purpose: 'marketing' },
        smsOptIn: { channel: 'sms', purpose: 'marketing' },
        pushOptIn: { channel: 'push', purpose: 'marketing' },
        advertisingOptIn: { channel: 'ads', purpose: 'advertising' },
      },
    }),
  /** Bounds that keep the profile item small. */
  recentlyViewedLimit: z.number().int().min(1).max(100).default(20),
  cartLimit: z.number().int().min(1).max(50).default(10),
  pushTokenLimit: z.number().int().min(1).max(50).default(10),
  /** Hesitation signals this close before a checkout travel with CheckoutStarted. */
  hesitationWindowHours: z
    .number()
    .positive()
    .max(24 * 30)
    .default(24),
  /** A product viewed again within this many hours, and in no cart, emits `BrowseAbandoned`. */
  browseRepeatHours: z
    .number()
    .positive()
    .max(24 * 30)
    .default(72),
  /** A search query matching this (case-insensitive) counts as coupon hunting. */
  couponQueryPattern: z.string().min(1).max(500).default('coupon|promo|discount|voucher|code|deal'),
});
export type ProfilesConfig = z.infer<typeof ProfilesConfig>;

/** The defaults `npm start` and a first deploy run on. */
export const defaultProfilesConfig: ProfilesConfig = ProfilesConfig.parse({});

/** Parses `PROFILES_CONFIG` (JSON; absent → defaults), failing fast with the variable's name. */
export function parseProfilesConfig(json: string | undefined, variable = 'PROFILES_CONFIG'): ProfilesConfig {
  if (json === undefined || json.trim() === '') return defaultProfilesConfig;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new Error(`invalid environment: ${variable} is not JSON`, { cause });
  }
  const parsed = ProfilesConfig.safeParse(raw);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new Error(`invalid environment: ${variable} (${paths})`);
  }
  return parsed.data;
}
