/** Ports of the content context: generator, guardrail, token budget and the content store. */
import type { BrandPlaybook } from '../config/content.js';
import type {
  AuditRecord,
  Brief,
  ContentBody,
  GuardrailResult,
  Review,
  Variant,
  VariantStatus,
} from '../domain/content/schemas.js';

/** Tokens a model call consumed, as the response's `usage` reports them. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** One generation request: write variant `index` (0-based) of the brief's `n`. */
export interface GenerationRequest {
  readonly brief: Brief;
  readonly playbook: BrandPlaybook;
  readonly index: number;
  /** Upper bound on output tokens for this call (`inferenceConfig.maxTokens`). */
  readonly maxTokens: number;
}

/** What the generator saw and answered, kept in the audit record. */
export interface GenerationTrace {
  readonly model: string;
  readonly prompt: { readonly system: string; readonly user: string };
  readonly response: string;
  readonly usage: TokenUsage;
}

/** The outcome of one generation call. */
export type GenerationResult =
  | {
      readonly kind: 'generated';
      readonly content: ContentBody;
      readonly guardrail: GuardrailResult;
      readonly trace: GenerationTrace;
    }
  | {
      readonly kind: 'guardrail_intervened';
      readonly reason: string;
      readonly guardrail: GuardrailResult;
      readonly trace: GenerationTrace;
    }
  | { readonly kind: 'invalid_output'; readonly detail: string; readonly trace: GenerationTrace };

/** Writes copy for a brief (Bedrock Converse, or the deterministic offline generator). */
export interface Generator {
  readonly kind: 'bedrock' | 'offline';
  readonly model: string;
  generate(request: GenerationRequest): Promise<GenerationResult>;
}

/** Checks final copy (e.g. a person's edit) against the guardrail: Bedrock ApplyGuardrail or local. */
export interface OutputGuardrail {
  check(content: ContentBody): Promise<GuardrailResult>;
}

/** Monthly token counter (the per-run budget is counted in memory by the use case). */
export interface TokenBudgetStore {
  /** Tokens used in the month (`YYYY-MM`). */
  used(month: string): Promise<number>;
  /** Adds tokens to the month's counter and returns the new total. */
  add(month: string, tokens: number): Promise<number>;
}

/** A page of variants. */
export interface VariantPage {
  readonly variants: readonly Variant[];
  readonly cursor?: string;
}

/** A review transition: from `pending_review` to `to`, with the audit entry written atomically. */
export interface ReviewTransition {
  readonly to: Exclude<VariantStatus, 'pending_review'>;
  readonly review: Review;
  readonly content?: ContentBody;
  readonly checks: Variant['checks'];
  readonly guardrail: GuardrailResult;
  readonly generator?: Variant['metadata']['generator'];
  readonly audit: AuditRecord;
}

/** Variants, briefs and their audit trail. */
export interface ContentStore {
  /** Stores a brief's variants and their generation audit records. */
  saveGenerated(input: {
    readonly briefId: string;
    readonly brief: Brief;
    readonly variants: readonly Variant[];
    readonly audits: readonly AuditRecord[];
  }): Promise<void>;
  get(id: string): Promise<Variant | undefined>;
  listByStatus(status: VariantStatus, options: { limit: number; cursor?: string }): Promise<VariantPage>;
  /**
   * Applies a review if the variant is still `pending_review`; ConflictError('invalid_transition')
   * otherwise, NotFoundError('variant_not_found') when there is no such variant.
   */
  applyReview(id: string, transition: ReviewTransition): Promise<Variant>;
  audit(id: string): Promise<AuditRecord[]>;
}
