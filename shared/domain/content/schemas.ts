/** Content schemas: the variant bodies per channel, the brief, check reports and stored variants. */
import * as z from 'zod';
import { ContentChannel } from '../../config/content.js';

const Text = z.string().min(1).max(50_000);

/** The copy itself: one discriminated union over every content type. */
export const ContentBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('email'), subject: Text, preheader: Text, html: Text, text: Text }),
  z.object({ type: z.literal('sms'), text: Text }),
  z.object({ type: z.literal('push'), title: Text, body: Text }),
  z.object({ type: z.literal('in_app'), title: Text, body: Text, cta: Text }),
  z.object({ type: z.literal('faq'), question: Text, answer: Text }),
  z.object({ type: z.literal('product_description'), title: Text, body: Text }),
  z.object({ type: z.literal('call_script'), opening: Text, body: Text, closing: Text }),
]);
export type ContentBody = z.infer<typeof ContentBody>;

/** Text fields of each content type, in display order. */
export const CONTENT_FIELDS = {
  email: ['subject', 'preheader', 'text', 'html'],
  sms: ['text'],
  push: ['title', 'body'],
  in_app: ['title', 'body', 'cta'],
  faq: ['question', 'answer'],
  product_description: ['title', 'body'],
  call_script: ['opening', 'body', 'closing'],
} as const satisfies Record<ContentChannel, readonly string[]>;

/** The text fields of a body as [field, text] pairs. */
export function textFields(body: ContentBody): [string, string][] {
  const record = body as unknown as Record<string, string>;
  return CONTENT_FIELDS[body.type].map((f) => [f, record[f] ?? '']);
}

export const INTENTS = [
  'shipping_reassurance',
  'fit_help',
  'incentive',
  'win_back',
  'onboarding',
  'service_follow_up',
] as const;
export const Intent = z.enum(INTENTS);
export type Intent = z.infer<typeof Intent>;

/**
 * A brief's intent as written: the content spelling (`shipping_reassurance`) or the journeys' kebab-case
 * one (`shipping-reassurance`), normalised to the content spelling, so a brief may name a step's
 * intent as the journey catalogue writes it. Journey-only intents (`cart-reminder`) still need
 * `CONTENT_INTENT_OF` (shared/adapters/journey-ports/variant-catalogue.ts).
 */
export const BriefIntent = z
  .string()
  .transform((s) => s.trim().replaceAll('-', '_'))
  .pipe(Intent);

/** What to write: the request behind a generation run. */
export const Brief = z.object({
  journeyStep: z.string().min(1).max(200),
  intent: BriefIntent,
  channel: ContentChannel,
  audience: z.object({
    segment: z.string().min(1).max(100),
    description: z.string().max(500).optional(),
  }),
  product: z
    .object({
      name: z.string().min(1).max(200),
      facts: z.array(z.string().min(1).max(300)).max(20).default([]),
    })
    .optional(),
  offer: z
    .object({
      type: z.string().min(1).max(50),
      percent: z.number().min(0).max(100).optional(),
      code: z.string().min(1).max(50).optional(),
    })
    .optional(),
  n: z.number().int().min(1).max(10).default(3),
});
export type Brief = z.infer<typeof Brief>;
export type BriefInput = z.input<typeof Brief>;

/** One failed check: a machine-readable code and a human detail (never personal data). */
export const CheckFailure = z.object({ code: z.string(), detail: z.string() });
export type CheckFailure = z.infer<typeof CheckFailure>;

/** The result of running every check on a variant. */
export const CheckReport = z.object({ passed: z.boolean(), failures: z.array(CheckFailure) });
export type CheckReport = z.infer<typeof CheckReport>;

/** What the guardrail said: not configured (offline / none), passed, or intervened with a reason. */
export const GuardrailResult = z.discriminatedUnion('status', [
  z.object({ status: z.literal('not_configured') }),
  z.object({ status: z.literal('passed'), source: z.enum(['bedrock', 'local']) }),
  z.object({
    status: z.literal('intervened'),
    source: z.enum(['bedrock', 'local']),
    reason: z.string(),
    assessments: z.unknown().optional(),
  }),
]);
export type GuardrailResult = z.infer<typeof GuardrailResult>;

export const VARIANT_STATUSES = ['pending_review', 'approved', 'rejected'] as const;
export const VariantStatus = z.enum(VARIANT_STATUSES);
export type VariantStatus = z.infer<typeof VariantStatus>;

/** The latest review decision on a variant. */
export const Review = z.object({
  decision: z.enum(['approve', 'reject', 'auto_approve', 'auto_reject']),
  reviewer: z.string(),
  comment: z.string(),
  at: z.string(),
  edited: z.boolean(),
});
export type Review = z.infer<typeof Review>;

/** A stored content variant. `content` is absent only when the guardrail blocked the output. */
export const Variant = z.object({
  id: z.string(),
  briefId: z.string(),
  channel: ContentChannel,
  intent: Intent,
  segment: z.string(),
  status: VariantStatus,
  content: ContentBody.optional(),
  metadata: z.object({
    generator: z.enum(['bedrock', 'offline', 'human']),
    model: z.string(),
  }),
  checks: CheckReport,
  guardrail: GuardrailResult,
  /** Sensitive segment or offer: a person must decide. */
  needsHuman: z.boolean(),
  /** Why the variant was rejected without a person (e.g. `guardrail_intervened`). */
  rejectionReason: z.string().optional(),
  review: Review.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Variant = z.infer<typeof Variant>;

/** One audit entry: generation (prompt, model, response) or review (decision, edit, checks). */
export type AuditRecord =
  | {
      readonly kind: 'generated';
      readonly variantId: string;
      readonly at: string;
      readonly generator: 'bedrock' | 'offline';
      readonly model: string;
      readonly prompt: { readonly system: string; readonly user: string };
      readonly response: string;
      readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
      readonly guardrail: GuardrailResult;
      readonly checks: CheckReport;
      readonly status: VariantStatus;
    }
  | {
      readonly kind: 'reviewed';
      readonly variantId: string;
      readonly at: string;
      readonly reviewer: string;
      readonly decision: Review['decision'];
      readonly comment: string;
      readonly from: VariantStatus;
      readonly to: VariantStatus;
      readonly edited?: ContentBody;
      readonly checks: CheckReport;
      readonly guardrail: GuardrailResult;
    };
