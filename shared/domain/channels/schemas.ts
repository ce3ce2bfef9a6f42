/** Send request and outcome: the contract between journeys (Step Functions) and the send function. */
import * as z from 'zod';
import { Channel } from '../../config/channels.js';
import { TemplateContext } from './variables.js';

/** An approved content variant, as the content context hands it over. */
export const ContentVariant = z.object({
  variantId: z.string().min(1).max(200),
  status: z.string().min(1).max(40),
  /** Who approved it, when a person did (sensitive sends need one). */
  reviewedBy: z.string().min(1).max(200).optional(),
  subject: z.string().max(2_000).optional(),
  preheader: z.string().max(2_000).optional(),
  html: z.string().max(500_000).optional(),
  text: z.string().max(100_000),
  title: z.string().max(2_000).optional(),
  body: z.string().max(100_000).optional(),
});
export type ContentVariant = z.infer<typeof ContentVariant>;

const Id = z.string().min(1).max(512);

/**
 * A fairness cohort: declared trait → value, as start-journey puts it on the execution (at most the
 * 10 configured `fairness.cohortTraits`, names ≤ 64 characters, values cut to 64).
 */
export const Cohort = z
  .record(z.string().min(1).max(64), z.string().max(64))
  .refine((c) => Object.keys(c).length <= 10, { message: 'at most 10 cohort traits' });

export const SendRequest = z.object({
  profileId: Id,
  channel: Channel,
  purpose: z.enum(['marketing', 'transactional']),
  journey: Id,
  executionId: Id,
  step: Id,
  /** Reference of the content variant (kept on the ledger for explanations). */
  contentRef: z.string().min(1).max(512).optional(),
  content: ContentVariant,
  /** Experiment arm / variant label. */
  variant: z.string().min(1).max(200),
  /** 0–100; journeys at or above `priority.reservedFrom` may use reserved contact-pressure slots. */
  priority: z.number().int().min(0).max(100).default(0),
  /** Sensitive segment or offer: the content must carry a human reviewer. */
  sensitive: z.boolean().optional(),
  /** Decision time (ISO-8601); defaults to now. */
  at: z.iso.datetime({ offset: true }).optional(),
  /**
   * The execution's assignment; only its fairness `cohort` is kept (arm, reason and experiment are
   * stripped). A Sent outcome is counted for the cohort, when there is one.
   */
  assignment: z.object({ cohort: Cohort.optional() }).optional(),
  /** The decided action; an `offer` counts as an offer (with `discount`) for the cohort. */
  action: z.enum(['offer', 'content', 'service', 'nothing']).optional(),
  /** The decided offer's discount, a share of the order value (0 for other actions). */
  discount: z.number().min(0).max(1).optional(),
  /**
   * The journey step whose decision chose `variant` (its bandit's arms): a Sent outcome counts one
   * exposure of the variant there, so Thompson sampling learns from messages people received.
   */
  decision: z
    .string()
    .regex(/^[a-z][A-Za-z0-9]{0,39}$/)
    .optional(),
  /** What the copy's `product.*`, `order.*` and `offer.*` variables render (docs/channels.md). */
  context: TemplateContext.optional(),
});
export type SendRequest = z.infer<typeof SendRequest>;
export type SendRequestInput = z.input<typeof SendRequest>;

/** Reason codes, one per rule (stored on the ledger, logged and counted). */
export const REASONS = {
  recipientNotFound: 'recipient_not_found',
  noContactAddress: 'no_contact_address',
  noConsent: 'no_consent',
  suppressedHardBounce: 'suppressed_hard_bounce',
  suppressedComplaint: 'suppressed_complaint',
  suppressedUnsubscribe: 'suppressed_unsubscribe',
  suppressedSmsStop: 'suppressed_sms_stop',
  suppressedEndpointDisabled: 'suppressed_endpoint_disabled',
  contentNotApproved: 'content_not_approved',
  contentNeedsHumanReview: 'content_needs_human_review',
  marketingEmailPaused: 'marketing_email_paused',
  frequencyCap: 'frequency_cap',
  quietHours: 'quiet_hours',
  renderFailed: 'render_failed',
  duplicate: 'duplicate',
} as const;
export type SkipReason = (typeof REASONS)[keyof typeof REASONS];

export type Sent = { readonly outcome: 'Sent'; readonly messageId: string; readonly providerId: string };
export type Skipped = { readonly outcome: 'Skipped'; readonly reason: SkipReason; readonly retryAt?: string };
export type Failed = { readonly outcome: 'Failed'; readonly retryable: boolean; readonly reason: string };
export type SendOutcome = Sent | Skipped | Failed;
