/**
 * VariantCatalogue over the content store: the approved variants a journey step may send, in the send
 * function's content shape (`ContentVariant`).
 *
 * A variant fits a step when it is sendable (`approved`, with content), on the step's channel, and of
 * the content intent the step's journey intent maps to (`CONTENT_INTENT_OF`). When some of those were
 * written for exactly this step — their brief's `journeyStep` is `<journey>/<step>` — only those are
 * offered: copy written for the step beats copy written for the intent.
 *
 * The approved list (gsi1 `CONTENT#approved`) and the briefs' `journeyStep` are read once per
 * `ttlMs` per container: decide asks once per candidate, and a variant approved a minute ago may wait
 * a minute. Approval is final in the content context (no transition leaves `approved`), so a cached
 * entry never makes a withdrawn variant sendable.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ContentChannel } from '../../config/content.js';
import { INTENTS, type Intent, type Variant } from '../../domain/content/schemas.js';
import { isSendable } from '../../domain/content/sendable.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { JourneyChannel } from '../../domain/journeys/definition.js';
import type { ContentStore } from '../../ports/content.js';
import type { ApprovedVariant, VariantCatalogue } from '../../ports/journeys.js';

/** Journey content intents → the content context's intents (briefs are written per intent). */
export const CONTENT_INTENT_OF: Readonly<Record<string, Intent>> = {
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

/** The content intent of a journey intent: the table above, else the same words in snake_case. */
export function contentIntentOf(journeyIntent: string): Intent | undefined {
  const mapped = CONTENT_INTENT_OF[journeyIntent] ?? journeyIntent.replaceAll('-', '_');
  return (INTENTS as readonly string[]).includes(mapped) ? (mapped as Intent) : undefined;
}

const CONTENT_CHANNEL_OF: Readonly<Record<JourneyChannel, ContentChannel>> = {
  email: 'email',
  sms: 'sms',
  push: 'push',
  inApp: 'in_app',
};

/**
 * The send function's content shape of a sendable variant; undefined for one that is not sendable or
 * not a message. `reviewedBy` names a person only: an automatic approval carries none, so a
 * sensitive send (which needs a human reviewer) cannot use it.
 */
export function toSendContent(v: Variant): ApprovedVariant | undefined {
  const c = v.content;
  if (!c || !isSendable(v)) return undefined;
  const base = {
    variantId: v.id,
    status: v.status,
    ...(v.review?.decision === 'approve' ? { reviewedBy: v.review.reviewer } : {}),
  };
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

interface Entry {
  readonly variant: Variant;
  readonly content: ApprovedVariant;
  readonly journeyStep?: string;
}

export interface ContentVariantCatalogueOptions {
  readonly store: Pick<ContentStore, 'listByStatus'>;
  /** Reads briefs' `journeyStep` from the content table (BRIEF#<briefId> / BRIEF). */
  readonly briefs: BriefSteps;
  /** How long the approved list is reused (default 60 s; 0 reads every time). */
  readonly ttlMs?: number;
  /** Most approved variants read (newest first; default 2,000). */
  readonly maxApproved?: number;
  /** Most variants offered to one step (newest first; default 50). */
  readonly maxPerStep?: number;
  readonly now?: () => number;
}

/** Journey steps named by briefs, by brief id. */
export interface BriefSteps {
  journeySteps(briefIds: readonly string[]): Promise<Map<string, string>>;
}

/** VariantCatalogue over the content store's approved variants. */
export class ContentVariantCatalogue implements VariantCatalogue {
  private cache: { readonly at: number; readonly entries: Promise<Entry[]> } | undefined;

  constructor(private readonly options: ContentVariantCatalogueOptions) {}

  async approvedVariants(query: {
    readonly journey: string;
    readonly step: string;
    readonly channel: JourneyChannel;
    readonly intent: string;
  }): Promise<readonly ApprovedVariant[]> {
    const intent = contentIntentOf(query.intent);
    const channel = CONTENT_CHANNEL_OF[query.channel];
    if (!intent || !channel) return [];
    const fitting = (await this.entries()).filter(
      (e) => e.variant.intent === intent && e.variant.channel === channel,
    );
    const here = `${query.journey}/${query.step}`;
    const forStep = fitting.filter((e) => e.journeyStep === here);
    return (forStep.length > 0 ? forStep : fitting)
      .slice(0, this.options.maxPerStep ?? 50)
      .map((e) => e.content);
  }

  private entries(): Promise<Entry[]> {
    const now = (this.options.now ?? Date.now)();
    const ttl = this.options.ttlMs ?? 60_000;
    if (this.cache && now - this.cache.at < ttl) return this.cache.entries;
    const entries = this.load();
    this.cache = { at: now, entries };
    // A failed read is not reused.
    entries.catch(() => {
      if (this.cache?.entries === entries) this.cache = undefined;
    });
    return entries;
  }

  private async load(): Promise<Entry[]> {
    const max = this.options.maxApproved ?? 2_000;
    const variants: Variant[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.store.listByStatus('approved', {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      variants.push(...page.variants);
      cursor = page.cursor;
    } while (cursor && variants.length < max);
    const sendable = variants.slice(0, max).flatMap((variant) => {
      const content = toSendContent(variant);
      return content ? [{ variant, content }] : [];
    });
    const steps = await this.options.briefs.journeySteps([
      ...new Set(sendable.map((e) => e.variant.briefId)),
    ]);
    return sendable.map((e) => {
      const journeyStep = steps.get(e.variant.briefId);
      return journeyStep !== undefined ? { ...e, journeyStep } : e;
    });
  }
}

/** BriefSteps on the content table: BatchGet of the brief items, their `brief.journeyStep` only. */
export class DynamoDbBriefSteps implements BriefSteps {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async journeySteps(briefIds: readonly string[]): Promise<Map<string, string>> {
    const TableName = this.options.tableName;
    const out = new Map<string, string>();
    for (let i = 0; i < briefIds.length; i += 100) {
      let pending: Record<string, unknown>[] = briefIds
        .slice(i, i + 100)
        .map((id) => ({ pk: `BRIEF#${id}`, sk: 'BRIEF' }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 8)
          throw new DependencyUnavailableError('DynamoDB left brief keys unprocessed after 8 attempts');
        const res = await this.options.client.send(
          new BatchGetCommand({
            RequestItems: {
              [TableName]: {
                Keys: pending,
                ProjectionExpression: '#id, #brief.#step',
                ExpressionAttributeNames: { '#id': 'briefId', '#brief': 'brief', '#step': 'journeyStep' },
              },
            },
          }),
        );
        for (const item of res.Responses?.[TableName] ?? []) {
          const step = (item.brief as { journeyStep?: unknown } | undefined)?.journeyStep;
          if (typeof item.briefId === 'string' && typeof step === 'string') out.set(item.briefId, step);
        }
        pending = res.UnprocessedKeys?.[TableName]?.Keys ?? [];
        if (pending.length > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      }
    }
    return out;
  }
}
