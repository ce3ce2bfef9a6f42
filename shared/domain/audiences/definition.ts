/**
 * Synced audiences: a versioned definition — a rule over traits, features and scores in the same
 * filter language campaigns use (`Audience` / `inAudience`, shared/domain/journeys/campaign.ts), the
 * model versions its scores must come from, the destinations it goes to and a holdout share that is
 * never uploaded, so that lift can be measured. `evaluate` says of one profile whether it is a
 * member and, for each destination, whether it may be uploaded and why not. Pure: the sync engine,
 * the admin API and the CLI all call this one function (docs/audiences.md).
 */
import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { ModelName } from '../../config/models.js';
import type { DecisionProfile } from '../../ports/journeys.js';
import { AudienceId } from '../campaigns/audiences.js';
import { Audience, inAudience } from '../journeys/campaign.js';
import { HashKeyUnavailableError, MIN_HASH_KEY_LENGTH } from '../privacy/keyed-hash.js';
import { type AudienceDestination, AudienceDestination as Destination } from './normalize.js';

/**
 * Fewest people a destination will use (or, for S3, Feltfit's own floor: a small list of hashes is
 * easy to re-identify). Meta: "lists of fewer than 100 people" are refused
 * (https://www.facebook.com/business/help/2082575038703844); LinkedIn: 300 members to run a campaign
 * (https://docs.tealium.com/server-side-connectors/linkedin-matched-audiences-connector-setup-guide);
 * TikTok: 1,000 matched users to use an audience in an ad group
 * (https://ads.tiktok.com/help/article/custom-audiences); Google Customer Match: 100 active members
 * since December 2024 (secondary sources; Google's own page was not reachable here).
 */
export const MIN_AUDIENCE_SIZE: Readonly<Record<AudienceDestination, number>> = {
  meta: 100,
  google: 100,
  tiktok: 1000,
  linkedin: 300,
  s3: 100,
};

/**
 * Words an audience name must not contain. Since 2025-09-02 Meta flags custom audiences that suggest
 * "specific health conditions (e.g. 'arthritis', 'diabetes') or financial status (e.g. 'credit
 * score', 'high income')" and refuses them for campaigns (operation_status 471):
 * https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/custom-audience
 * The list adds the other personal attributes ad policies protect (religion, ethnicity, sexuality,
 * criminal record). An entry matches at the start of a word of the name (`debt` matches `debtors`);
 * an `=` entry only as a whole word (`=rich` refuses `Rich customers`, not `Richmond shoppers`); `_`
 * stands for a space or hyphen.
 */
export const SENSITIVE_NAME_WORDS: readonly string[] = [
  // Health, physical and mental.
  'health medic disease diabet arthritis cancer tumou tumor =hiv =aids =std pregnan =fertility =infertile',
  '=ivf depress anxiety anxious mental psych therap rehab addict alcoholi drug obes overweight weight_loss',
  'disab illness sick patient prescription pharma diagnos =chronic symptom dementia autis adhd insomnia',
  // Financial status.
  'debt loan bankrupt credit_score bad_credit low_income high_income poor povert =broke payday welfare',
  'benefit_claim unemploy foreclos insolven arrears overdue overdraft defaulter evict wealthy =rich',
  'millionaire net_worth salary income',
  // Other personal attributes.
  'religio =christian muslim jewish hindu buddhis ethnic racial =gay lesbian bisexual transgender lgbt',
  'sexual criminal convict divorc',
]
  .join(' ')
  .split(' ');

const SENSITIVE_PATTERNS = SENSITIVE_NAME_WORDS.map((entry) => {
  const whole = entry.startsWith('=');
  const word = entry.replace(/^=/, '');
  const source = `(?:^|[^\\p{L}])${word.replaceAll('_', '[-\\s]?')}${whole ? '(?!\\p{L})' : ''}`;
  return { word: word.replaceAll('_', ' '), pattern: new RegExp(source, 'u') };
});

/** The first sensitive word a name contains, if any. */
export function sensitiveWordIn(name: string): string | undefined {
  const text = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return SENSITIVE_PATTERNS.find((p) => p.pattern.test(text))?.word;
}

/** Share of an audience kept out of every upload: 0–50 % (default 10 %). */
export const HoldoutShare = z.number().min(0).max(0.5);

/** A synced audience, one version of it (`/admin/synced-audiences` stores it; the sync reads it). */
export const AudienceDefinition = z
  .object({
    id: AudienceId,
    /** Bumped on every change; the sync records which version it uploaded. */
    version: z.number().int().min(1),
    name: z
      .string()
      .trim()
      .min(1, 'give the audience a name')
      .max(100)
      .superRefine((name, ctx) => {
        const word = sensitiveWordIn(name);
        if (word)
          ctx.addIssue({
            code: 'custom',
            message: `'${word}' suggests a health, financial or other personal attribute: ad platforms flag such audience names; choose a neutral one`,
          });
      }),
    description: z.string().trim().max(500).optional(),
    /** Who is in it: conditions over traits, features and scores, as campaigns write them. */
    rule: Audience,
    /**
     * The model version each score the rule reads must come from (`{ propensity: "v7" }`): a
     * profile scored by another version is not a member until it is rescored.
     */
    modelVersions: z.partialRecord(ModelName, z.string().min(1).max(64)).default({}),
    destinations: z
      .array(Destination)
      .min(1)
      .max(5)
      .refine((d) => new Set(d).size === d.length, 'each destination once'),
    holdoutShare: HoldoutShare.default(0.1),
  })
  .strict()
  .superRefine((a, ctx) => {
    const readsScores = [...a.rule.all, ...(a.rule.any ?? [])].some((c) => c.source === 'scores');
    if (readsScores && Object.keys(a.modelVersions).length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['modelVersions'],
        message: 'a rule over scores names the model versions they must come from',
      });
  });
export type AudienceDefinition = z.infer<typeof AudienceDefinition>;
export type AudienceDefinitionInput = z.input<typeof AudienceDefinition>;

/**
 * The advertising consent of one person. Only people who granted the `advertising` purpose are
 * uploaded anywhere; for Google, people in the EEA, the UK and Switzerland also need
 * `adUserData` and `adPersonalization` granted (Google's EU user consent policy), and both are sent
 * with each member.
 */
export interface AdvertisingConsent {
  readonly advertising: boolean;
  readonly adUserData?: boolean;
  readonly adPersonalization?: boolean;
}

/** What `evaluate` reads of a profile. */
export interface AudienceCandidate {
  readonly profile: DecisionProfile;
  /** Model name → version that produced the profile's scores (StoredScores.modelVersions). */
  readonly modelVersions: Readonly<Partial<Record<ModelName, string>>>;
  readonly consent: AdvertisingConsent;
  /** ISO alpha-2 country (lowercase) when known: it decides whether Google's EEA rule applies. */
  readonly country?: string;
}

/** EEA (EU 27 + Iceland, Liechtenstein, Norway), the UK and Switzerland: Google's consent region. */
export const GOOGLE_CONSENT_REGION: ReadonlySet<string> = new Set(
  (
    'at be bg hr cy cz dk ee fi fr de gr hu ie it lv lt lu mt nl pl pt ro sk si es se ' + 'is li no gb ch'
  ).split(' '),
);

/** The Google consent sent with a member: what the person said, absent where they said nothing. */
export interface GoogleConsent {
  readonly adUserData?: boolean;
  readonly adPersonalization?: boolean;
}

export type UploadDecision =
  | {
      readonly upload: true;
      readonly consent?: GoogleConsent;
    }
  | { readonly upload: false; readonly reason: 'no_advertising_consent' | 'no_google_eu_consent' };

export type Membership =
  | { readonly member: false; readonly reason: 'rule_not_met' | 'model_version_mismatch' }
  | { readonly member: true; readonly holdout: true; readonly reason: 'holdout' }
  | {
      readonly member: true;
      readonly holdout: false;
      readonly reason: 'member';
      readonly destinations: Readonly<Partial<Record<AudienceDestination, UploadDecision>>>;
    };

/**
 * A profile's place in [0, 1) for an audience: the first 52 bits of HMAC-SHA-256(key, audience id :
 * profile id). Keyed, so nobody without the key can tell who is held out; by audience id and not
 * version, so the same person stays in or out when the definition changes.
 */
export function holdoutPosition(key: string, audienceId: string, profileId: string): number {
  // A short key could be guessed, and with it who is held out.
  if (key.length < MIN_HASH_KEY_LENGTH)
    throw new HashKeyUnavailableError(`the holdout key is shorter than ${MIN_HASH_KEY_LENGTH} characters`);
  const digest = createHmac('sha256', key).update(`${audienceId}:${profileId}`, 'utf8').digest();
  return (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUIntBE(4, 3) >>> 4)) / 2 ** 52;
}

/**
 * Whether one destination may receive this member, and the consent it is sent with. A person whose
 * country is unknown is treated as inside Google's consent region: uploading someone who may be in
 * the EEA without both grants is the mistake that cannot be undone.
 */
export function uploadDecision(
  destination: AudienceDestination,
  candidate: AudienceCandidate,
): UploadDecision {
  const c = candidate.consent;
  if (!c.advertising) return { upload: false, reason: 'no_advertising_consent' };
  if (destination !== 'google') return { upload: true };
  const inRegion = candidate.country === undefined || GOOGLE_CONSENT_REGION.has(candidate.country);
  if (inRegion && !(c.adUserData === true && c.adPersonalization === true))
    return { upload: false, reason: 'no_google_eu_consent' };
  return {
    upload: true,
    consent: {
      ...(c.adUserData === undefined ? {} : { adUserData: c.adUserData }),
      ...(c.adPersonalization === undefined ? {} : { adPersonalization: c.adPersonalization }),
    },
  };
}

/**
 * Whether a profile is a member of the audience and where it may be uploaded. Order matters: the
 * rule and model versions decide membership; the holdout is drawn among members only, before
 * consent, so that it is the same random share of every member whatever their consent; consent then
 * decides each destination.
 */
export function evaluate(
  definition: AudienceDefinition,
  candidate: AudienceCandidate,
  holdoutKey: string,
): Membership {
  if (!inAudience(candidate.profile, definition.rule)) return { member: false, reason: 'rule_not_met' };
  for (const [model, version] of Object.entries(definition.modelVersions)) {
    if (candidate.modelVersions[model as ModelName] !== version)
      return { member: false, reason: 'model_version_mismatch' };
  }
  if (holdoutPosition(holdoutKey, definition.id, candidate.profile.profileId) < definition.holdoutShare)
    return { member: true, holdout: true, reason: 'holdout' };
  const destinations: Partial<Record<AudienceDestination, UploadDecision>> = {};
  for (const d of definition.destinations) destinations[d] = uploadDecision(d, candidate);
  return { member: true, holdout: false, reason: 'member', destinations };
}

/** Whether an upload of `count` people meets the destination's minimum; the sync waits until it does. */
export function meetsMinimumSize(
  destination: AudienceDestination,
  count: number,
):
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'below_minimum'; readonly minimum: number } {
  const minimum = MIN_AUDIENCE_SIZE[destination];
  return count >= minimum ? { ok: true } : { ok: false, reason: 'below_minimum', minimum };
}
