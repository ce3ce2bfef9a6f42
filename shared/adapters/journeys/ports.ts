/**
 * The journey functions' views of the other contexts: the decision profile (profiles + scores), the
 * journey-trait writer, and the catalogue of approved content variants.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Variant } from '../../domain/content/schemas.js';
import type { ContentStore } from '../../ports/content.js';
import type {
  ApprovedVariant,
  DecisionProfile,
  ProfileReader,
  ProfileWriter,
  VariantCatalogue,
} from '../../ports/journeys.js';
import type { ProfileStore } from '../../ports/profiles.js';
import { recipientOf } from '../profiles/recipient-source.js';

/** Median days between distinct purchase days: the person's own reorder cadence. */
export function reorderDays(orderDays: readonly string[]): number | undefined {
  const days = [...new Set(orderDays)].sort().map((d) => Date.parse(d) / 86_400_000);
  if (days.length < 2) return undefined;
  const gaps = days
    .slice(1)
    .map((d, i) => d - days[i]!)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/** ProfileReader over the profile store: live profile, features under the names decide reads, scores. */
export class StoreProfileReader implements ProfileReader {
  constructor(private readonly store: Pick<ProfileStore, 'getLiveProfile'>) {}

  async get(profileId: string): Promise<DecisionProfile | undefined> {
    const stored = await this.store.getLiveProfile(profileId);
    if (!stored) return undefined;
    const r = recipientOf(stored);
    const f = r.features as Record<string, unknown> & {
      purchases?: { orderCount?: number; averageOrderValue?: number };
      csat?: { score: number };
      nps?: { score: number };
    };
    const orderDays = Object.values(stored.state.orders ?? {}).map(
      (o) => (o as { v: { day: string } }).v.day,
    );
    const cadence = reorderDays(orderDays);
    const consent: DecisionProfile['consent'] = {};
    for (const channel of ['email', 'sms', 'push', 'inApp'] as const) {
      const marketing = r.consent[channel];
      (consent as Record<string, Record<string, boolean>>)[channel] = {
        transactional: true,
        ...(marketing !== undefined ? { marketing } : {}),
      };
    }
    const scores = (stored.scores?.values ?? {}) as Record<string, number>;
    const journeyTraits = (stored as { journeyTraits?: Record<string, unknown> }).journeyTraits ?? {};
    return {
      profileId: stored.profileId,
      traits: { ...r.traits, ...journeyTraits },
      features: {
        ...f,
        ordersCount: f.purchases?.orderCount ?? 0,
        avgOrderValue: f.purchases?.averageOrderValue ?? 0,
        ...(f.csat ? { lastCsat: f.csat.score } : {}),
        ...(f.nps ? { lastNps: f.nps.score } : {}),
        ...(cadence !== undefined ? { reorderDays: cadence } : {}),
      },
      scores,
      consent,
      ...(r.timeZone ? { timezone: r.timeZone } : {}),
      segments: Array.isArray(r.traits.segments) ? (r.traits.segments as string[]) : [],
    };
  }
}

/**
 * Journey traits live in their own attribute of the profile item, beside what the projector writes
 * (it updates only its own attributes), so neither overwrites the other. An erased or merged-away
 * profile is not re-created.
 */
export class StoreProfileWriter implements ProfileWriter {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async setJourneyTraits(
    profileId: string,
    traits: Readonly<Record<string, string | number | boolean>>,
    source: { readonly journey: string; readonly step: string; readonly at: string },
  ): Promise<void> {
    const Key = { pk: `PROFILE#${profileId}`, sk: 'PROFILE' };
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key,
        UpdateExpression: 'SET journeyTraits = if_not_exists(journeyTraits, :empty)',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(mergedInto)',
        ExpressionAttributeValues: { ':empty': {} },
      }),
    );
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries({
      ...traits,
      lastJourneyStep: `${source.journey}/${source.step}@${source.at}`,
    }).map(([k, v], i) => {
      names[`#k${i}`] = k;
      values[`:v${i}`] = v;
      return `journeyTraits.#k${i} = :v${i}`;
    });
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}

/** Journey content intents → the content context's intents (briefs are written per intent). */
export const CONTENT_INTENT_OF: Readonly<Record<string, string>> = {
  'shipping-reassurance': 'shipping_reassurance',
  'fit-help': 'fit_help',
  'cart-incentive': 'incentive',
  'cart-reminder': 'incentive',
  'cart-last-call': 'incentive',
  'winback-offer': 'win_back',
  'we-miss-you': 'win_back',
  'winback-follow-up': 'win_back',
  welcome: 'onboarding',
  'getting-started': 'onboarding',
  'first-order-nudge': 'onboarding',
  bestsellers: 'onboarding',
  'browse-recommendation': 'onboarding',
  'replenishment-reminder': 'onboarding',
  'service-apology': 'service_follow_up',
  'csat-survey': 'service_follow_up',
  'helpful-content': 'service_follow_up',
  'loyalty-perk': 'incentive',
  'loyalty-thank-you': 'service_follow_up',
  'referral-invite': 'onboarding',
};

/** The send function's content shape for an approved variant. */
export function toSendContent(v: Variant): ApprovedVariant | undefined {
  const c = v.content;
  if (!c) return undefined;
  const base = { variantId: v.id, status: v.status, ...(v.review ? { reviewedBy: v.review.reviewer } : {}) };
  switch (c.type) {
    case 'email':
      return { ...base, subject: c.subject, preheader: c.preheader, html: c.html, text: c.text };
    case 'sms':
      return { ...base, text: c.text };
    case 'push':
    case 'in_app':
      return { ...base, title: c.title, body: c.body, text: c.body };
    default:
      return undefined;
  }
}

const CHANNEL_OF: Readonly<Record<string, string>> = {
  email: 'email',
  sms: 'sms',
  push: 'push',
  inApp: 'in_app',
};

/** Approved variants whose intent and channel fit the journey step. */
export class StoreVariantCatalogue implements VariantCatalogue {
  constructor(private readonly store: Pick<ContentStore, 'listByStatus'>) {}

  async approvedVariants(query: { journey: string; step: string; channel: string; intent: string }) {
    const intent = CONTENT_INTENT_OF[query.intent] ?? query.intent.replaceAll('-', '_');
    const out: ApprovedVariant[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listByStatus('approved', { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const v of page.variants) {
        if (v.intent !== intent || v.channel !== (CHANNEL_OF[query.channel] ?? query.channel)) continue;
        const content = toSendContent(v);
        if (content) out.push(content);
      }
      cursor = page.cursor;
    } while (cursor && out.length < 50);
    return out;
  }
}
