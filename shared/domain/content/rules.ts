/**
 * The brand rules a variant's checks test, each with what the playbook says and what the checks
 * found: the review queue shows a reviewer the rule beside its result instead of a bare failure code.
 * `checkedRules` is pure: the playbook comes in as an argument; the failures are the stored check
 * report's (or a fresh one, for an edit: `checkEdit`).
 */
import * as z from 'zod';
import type { BrandPlaybook, ContentChannel, ContentConfig } from '../../config/content.js';
import type { ContentStore, OutputGuardrail } from '../../ports/content.js';
import { ALLOWED_TAGS } from '../channels/liquid.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { runChecks } from './checks.js';
import { type CheckReport, ContentBody, type GuardrailResult } from './schemas.js';

/** One brand rule as a reviewer reads it, and how the copy fared against it. */
export interface CheckedRule {
  /** The check codes (shared/domain/content/checks.ts) that test this rule. */
  readonly codes: readonly string[];
  readonly rule: string;
  /** What the playbook holds for it, in words (the phrases, limits or elements). */
  readonly detail: string;
  readonly passed: boolean;
  /** The checks' findings, one line each (empty when it passed). */
  readonly failures: readonly string[];
}

const list = (items: readonly string[], none = 'none configured') =>
  items.length === 0 ? none : items.map((i) => `“${i}”`).join(', ');

/** Per-field length limits of a channel, as text. */
function lengthDetail(playbook: BrandPlaybook, channel: ContentChannel): string {
  if (channel === 'sms') return `at most ${playbook.lengthLimits.sms.maxSegments} SMS segments`;
  const limits = playbook.lengthLimits[channel] as Record<string, number>;
  return Object.entries(limits)
    .map(([field, n]) => `${field} ≤ ${n}`)
    .join(', ');
}

/**
 * Every rule the checks apply to a variant of `channel`, in the order a reviewer reads them, with
 * the check report's failures attached to the rule they belong to. A failure whose code no rule
 * names (a future check) is listed under "Other checks", so nothing a check found is hidden.
 */
export function checkedRules(
  playbook: BrandPlaybook,
  allowedVariables: readonly string[],
  channel: ContentChannel,
  checks: CheckReport,
): CheckedRule[] {
  const required =
    channel in playbook.requiredElements
      ? playbook.requiredElements[channel as keyof BrandPlaybook['requiredElements']]
      : [];
  const rules: Omit<CheckedRule, 'passed' | 'failures'>[] = [
    { codes: ['disallowed_word'], rule: 'Banned words and phrases', detail: list(playbook.disallowedWords) },
    { codes: ['competitor_name'], rule: 'No competitor names', detail: list(playbook.competitorNames) },
    {
      codes: ['taboo_topic'],
      rule: 'Taboo topics',
      detail: list(playbook.tabooTopics.map((t) => t.name)),
    },
    {
      codes: ['unverifiable_claim'],
      rule: 'No unverifiable claims',
      detail: list(playbook.claims.disallowedPatterns),
    },
    {
      codes: ['offer_above_limit'],
      rule: 'Discount limit',
      detail: `at most ${playbook.offers.maxDiscountPercent}% off`,
    },
    {
      codes: ['length_exceeded', 'sms_segments_exceeded'],
      rule: 'Length',
      detail: lengthDetail(playbook, channel),
    },
    {
      codes: ['missing_required_element'],
      rule: 'Required elements',
      detail: list(required, 'none for this channel'),
    },
    {
      codes: ['liquid_invalid', 'unknown_variable', 'template_tag_not_allowed', 'template_limit_exceeded'],
      rule: 'Personalisation variables',
      detail: `valid, sandboxed Liquid (tags ${ALLOWED_TAGS.join(', ')}; no files) using only ${allowedVariables.join(', ')}`,
    },
  ];
  const known = new Set(rules.flatMap((r) => r.codes));
  const out: CheckedRule[] = rules.map((r) => {
    const failures = checks.failures.filter((f) => r.codes.includes(f.code)).map((f) => f.detail);
    return { ...r, passed: failures.length === 0, failures };
  });
  const other = checks.failures.filter((f) => !known.has(f.code));
  if (other.length > 0) {
    out.push({
      codes: [...new Set(other.map((f) => f.code))],
      rule: 'Other checks',
      detail: 'checks without a playbook rule of their own',
      passed: false,
      failures: other.map((f) => `${f.code}: ${f.detail}`),
    });
  }
  return out;
}

/** Body of `POST /admin/content/{id}/check`: the edited copy to check before deciding. */
export const CheckEditRequest = z.object({ edited: ContentBody }).strict();
export type CheckEditRequest = z.infer<typeof CheckEditRequest>;

/** What checking a variant (or an edit of it) found: the report, the guardrail and the rules. */
export interface CheckedCopy {
  readonly checks: CheckReport;
  readonly guardrail: GuardrailResult;
  readonly rules: readonly CheckedRule[];
}

/**
 * Runs every check and the output guardrail on an edit of variant `id`, as approving it would
 * (review.ts), without deciding: the reviewer sees which rules the edit breaks before saving it.
 */
export async function checkEdit(
  deps: {
    readonly config: Pick<ContentConfig, 'playbook' | 'allowedVariables'>;
    readonly store: Pick<ContentStore, 'get'>;
    readonly guardrail: OutputGuardrail;
  },
  id: string,
  raw: unknown,
): Promise<CheckedCopy> {
  const parsed = CheckEditRequest.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRequestError('invalid_edit', 'the edit is not valid', {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String),
        code: i.code,
        message: i.message,
      })),
    });
  }
  const variant = await deps.store.get(id);
  if (!variant) throw new NotFoundError('variant_not_found', 'no such content variant');
  const { edited } = parsed.data;
  if (edited.type !== variant.channel) {
    throw new InvalidRequestError('edit_channel_mismatch', `the edit must be ${variant.channel} content`);
  }
  const checks = runChecks(edited, deps.config);
  const guardrail = await deps.guardrail.check(edited);
  return {
    checks,
    guardrail,
    rules: checkedRules(deps.config.playbook, deps.config.allowedVariables, variant.channel, checks),
  };
}
