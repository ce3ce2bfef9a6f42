/**
 * Human review of variants. A person approves or rejects a `pending_review` variant, optionally
 * with an edit; an edit re-runs every check and the output guardrail, and copy that fails either
 * can never be approved. Only `approved` variants are sendable.
 */
import * as z from 'zod';
import type { ContentConfig } from '../../config/content.js';
import type { ContentStore, OutputGuardrail } from '../../ports/content.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors.js';
import { runChecks } from './checks.js';
import { ContentBody, type Variant } from './schemas.js';

export { isSendable } from './sendable.js';

/** Body of a review (API and CLI). */
export const ReviewRequest = z.object({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().trim().min(1).max(2000),
  reviewer: z.string().trim().min(1).max(200),
  edited: ContentBody.optional(),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/** Dependencies of a review. */
export interface ReviewDeps {
  readonly config: Pick<ContentConfig, 'playbook' | 'allowedVariables'>;
  readonly store: Pick<ContentStore, 'get' | 'applyReview'>;
  readonly guardrail: OutputGuardrail;
  readonly now: () => Date;
}

/**
 * Applies a reviewer's decision. Approval requires passing checks and guardrail on the final copy
 * (the edit if given, else the stored content); otherwise ConflictError('checks_failed') with the
 * report, and the variant stays pending. The store makes the transition conditional on
 * `pending_review`, so a decided variant cannot be decided again.
 */
export async function reviewVariant(deps: ReviewDeps, id: string, request: ReviewRequest): Promise<Variant> {
  const variant = await deps.store.get(id);
  if (!variant) throw new NotFoundError('variant_not_found', 'no such content variant');
  if (variant.status !== 'pending_review') {
    throw new ConflictError('invalid_transition', `the variant is ${variant.status}, not pending_review`, {
      status: variant.status,
    });
  }
  const edit = request.edited;
  if (edit && edit.type !== variant.channel) {
    throw new InvalidRequestError('edit_channel_mismatch', `the edit must be ${variant.channel} content`);
  }
  const content = edit ?? variant.content;
  const at = deps.now().toISOString();
  let checks = variant.checks;
  let guardrail = variant.guardrail;
  if (edit) {
    checks = runChecks(edit, deps.config);
    guardrail = await deps.guardrail.check(edit);
  }
  if (request.decision === 'approve') {
    const guardrailBlocked = guardrail.status === 'intervened';
    if (!content || !checks.passed || guardrailBlocked) {
      throw new ConflictError(
        'checks_failed',
        'copy that fails its checks or the guardrail cannot be approved',
        {
          checks,
          guardrail,
        },
      );
    }
  }
  const to = request.decision === 'approve' ? 'approved' : 'rejected';
  return deps.store.applyReview(id, {
    to,
    review: {
      decision: request.decision,
      reviewer: request.reviewer,
      comment: request.comment,
      at,
      edited: !!edit,
    },
    ...(edit ? { content: edit, generator: 'human' as const } : {}),
    checks,
    guardrail,
    audit: {
      kind: 'reviewed',
      variantId: id,
      at,
      reviewer: request.reviewer,
      decision: request.decision,
      comment: request.comment,
      from: 'pending_review',
      to,
      ...(edit ? { edited: edit } : {}),
      checks,
      guardrail,
    },
  });
}
