/**
 * The template variables of a send: what `{{ unsubscribe_url }}`, `{{ preferences_url }}`,
 * `{{ product.* }}`, `{{ order.* }}`, `{{ offer.* }}` and `{{ profile.features.rfm.segment }}` render
 * to. The links are the same signed URLs the send path puts in the footer and the List-Unsubscribe
 * header, so a link written into the copy works like the footer's.
 */
import * as z from 'zod';
import type { ChannelsConfig } from '../../config/channels.js';
import type { Channel, Recipient } from '../../ports/channels.js';
import type { RenderScope } from './render.js';
import { signPreferencesToken, signUnsubscribeToken } from './tokens.js';

const Text = z.string().trim().min(1).max(500);

/** What the journey knows about the message's subject, passed on the send request as `context`. */
export const TemplateContext = z
  .object({
    product: z
      .object({ id: Text, name: Text, url: z.url().max(2_000), price: z.number().nonnegative() })
      .partial()
      .strict()
      .optional(),
    order: z.object({ id: Text, eta: Text }).partial().strict().optional(),
    offer: z
      .object({ code: Text, percent: z.number().min(0).max(100) })
      .partial()
      .strict()
      .optional(),
  })
  .strict();
export type TemplateContext = z.infer<typeof TemplateContext>;

/** The signed links of one send. */
export interface TemplateLinks {
  /** Unsubscribes the recipient from marketing on the send's channel. */
  readonly unsubscribeUrl: string;
  /** Opens the recipient's preference page (every marketing channel). */
  readonly preferencesUrl: string;
}

/**
 * The preference-page link for a token: the configured `preferencesUrl`, else the unsubscribe
 * endpoint's own page (`?view=preferences`), which needs no route (and no stack resource) of its own.
 */
export function preferencesLink(
  email: Pick<ChannelsConfig['email'], 'unsubscribeUrl' | 'preferencesUrl'>,
  token: string,
): string {
  const t = encodeURIComponent(token);
  return email.preferencesUrl
    ? `${email.preferencesUrl}?token=${t}`
    : `${email.unsubscribeUrl}?view=preferences&token=${t}`;
}

/** Signs the unsubscribe and preference links of a send, valid `email.unsubscribeTokenDays`. */
export function signTemplateLinks(
  secret: string,
  email: Pick<ChannelsConfig['email'], 'unsubscribeUrl' | 'preferencesUrl' | 'unsubscribeTokenDays'>,
  profileId: string,
  channel: Channel,
  now: Date,
): TemplateLinks {
  const exp = Math.floor(now.getTime() / 1000) + email.unsubscribeTokenDays * 86_400;
  const unsubscribe = signUnsubscribeToken(secret, { profileId, channel, exp });
  const preferences = signPreferencesToken(secret, { profileId, exp });
  return {
    unsubscribeUrl: `${email.unsubscribeUrl}?token=${encodeURIComponent(unsubscribe)}`,
    preferencesUrl: preferencesLink(email, preferences),
  };
}

const DAY_MS = 86_400_000;

/**
 * A coarse recency/frequency segment from the purchase summary, for copy that greets customers by
 * relationship: `new` (no order), `active` (bought in the last 90 days), `loyal` (active with 3+
 * orders), `at_risk` (91–365 days), `lapsed` (longer).
 */
export function rfmSegment(features: Readonly<Record<string, unknown>>, now: Date): string {
  const purchases = features.purchases as { orderCount?: unknown; lastPurchaseDay?: unknown } | undefined;
  const orders = typeof purchases?.orderCount === 'number' ? purchases.orderCount : 0;
  const last = typeof purchases?.lastPurchaseDay === 'string' ? Date.parse(purchases.lastPurchaseDay) : NaN;
  if (orders === 0 || Number.isNaN(last)) return 'new';
  const days = (now.getTime() - last) / DAY_MS;
  if (days <= 90) return orders >= 3 ? 'loyal' : 'active';
  return days <= 365 ? 'at_risk' : 'lapsed';
}

/** The open cart's most recent line, as the product a cart message is about. */
function cartProduct(features: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const items = (features.cart as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items) || items.length === 0) return undefined;
  const line = items[items.length - 1] as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof line.productId === 'string') out.id = line.productId;
  if (typeof line.name === 'string') out.name = line.name;
  if (typeof line.price === 'number') out.price = line.price;
  return out;
}

/** What the scope of a send is built from. */
export interface ScopeInput {
  readonly recipient: Recipient;
  readonly messageId: string;
  readonly links: TemplateLinks;
  readonly context?: TemplateContext | undefined;
  /** The decided action and discount (0..1) of the journey step, when it made an offer. */
  readonly action?: string | undefined;
  readonly discount?: number | undefined;
  readonly now: Date;
}

/**
 * The render scope of a send: the recipient's traits and features (plus `rfm.segment`), `message`
 * (`messageId`, `unsubscribeUrl`, `preferencesUrl`) and the top-level `unsubscribe_url`,
 * `preferences_url`, `product`, `order` and `offer`. `product` falls back to the open cart's latest
 * line and `offer.percent` to the step's discount; what nobody knows stays absent (renders empty and
 * is reported missing).
 */
export function templateScope(input: ScopeInput): RenderScope {
  const { recipient, links, context } = input;
  const features: Record<string, unknown> = { ...recipient.features };
  if (features.rfm === undefined) features.rfm = { segment: rfmSegment(recipient.features, input.now) };
  const product = { ...cartProduct(recipient.features), ...context?.product };
  const offer: Record<string, unknown> = { ...context?.offer };
  if (offer.percent === undefined && input.action === 'offer' && input.discount !== undefined) {
    offer.percent = Math.round(input.discount * 100);
  }
  const variables: Record<string, unknown> = {
    unsubscribe_url: links.unsubscribeUrl,
    preferences_url: links.preferencesUrl,
  };
  if (Object.keys(product).length > 0) variables.product = product;
  if (context?.order) variables.order = { ...context.order };
  if (Object.keys(offer).length > 0) variables.offer = offer;
  return {
    profile: {
      profileId: recipient.profileId,
      ...(recipient.locale ? { locale: recipient.locale } : {}),
      ...(recipient.timeZone ? { timeZone: recipient.timeZone } : {}),
    },
    traits: recipient.traits,
    features,
    message: {
      messageId: input.messageId,
      unsubscribeUrl: links.unsubscribeUrl,
      preferencesUrl: links.preferencesUrl,
    },
    variables,
  };
}
