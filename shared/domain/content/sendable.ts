/**
 * The one rule every sender of content applies: only approved variants with content are sendable.
 * Kept apart from review.ts so the journey functions that list sendable variants do not load the
 * review's checks and their Liquid engine (80 KB of every bundle).
 */
import type { Variant } from './schemas.js';

/** Whether a variant may be sent: approved, with content. Nothing else is sendable. */
export function isSendable(variant: Pick<Variant, 'status' | 'content'>): boolean {
  return variant.status === 'approved' && variant.content !== undefined;
}
