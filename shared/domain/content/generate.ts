/**
 * Generation run: N variants for a brief, each checked, guarded, budgeted and stored for review.
 */
import type { ContentConfig } from '../../config/content.js';
import type { ContentStore, Generator, TokenBudgetStore, TokenUsage } from '../../ports/content.js';
import { InvalidRequestError } from '../errors.js';
import { runChecks } from './checks.js';
import { TokenBudgetExhaustedError } from './errors.js';
import type { AuditRecord, Brief, CheckReport, Variant } from './schemas.js';

/** Dependencies of a generation run. */
export interface GenerateDeps {
  readonly config: ContentConfig;
  readonly generator: Generator;
  readonly budget: TokenBudgetStore;
  readonly store: Pick<ContentStore, 'saveGenerated'>;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** One variant's outcome, as returned to the caller. */
export interface GeneratedVariantSummary {
  readonly id: string;
  readonly status: Variant['status'];
  readonly checks: CheckReport;
  readonly guardrail: Variant['guardrail'];
  readonly needsHuman: boolean;
  readonly rejectionReason?: string;
}

/** The result of a run. */
export interface GenerateResult {
  readonly briefId: string;
  readonly generator: Generator['kind'];
  readonly model: string;
  readonly usage: TokenUsage;
  /** Set when a budget ran out part-way: the code of the budget error; fewer variants than asked. */
  readonly stoppedBy?: string;
  readonly variants: readonly GeneratedVariantSummary[];
}

/** Sensitive segment or offer type: a person must always decide. */
export function needsHuman(brief: Brief, playbook: ContentConfig['playbook']): boolean {
  return (
    playbook.sensitiveSegments.includes(brief.audience.segment) ||
    (brief.offer !== undefined && playbook.sensitiveOfferTypes.includes(brief.offer.type))
  );
}

const monthOf = (d: Date) => d.toISOString().slice(0, 7);

/** Extra attempts when the model's answer does not match the schema. */
const INVALID_OUTPUT_RETRIES = 1;

/**
 * Generates `brief.n` variants. Before every model call the month's budget (plus this call's
 * maxTokens) and the run's budget are checked; usage is recorded after each call.
 */
export async function generateContent(deps: GenerateDeps, brief: Brief): Promise<GenerateResult> {
  const { config, generator } = deps;
  if (brief.n > config.generator.maxVariants) {
    throw new InvalidRequestError(
      'too_many_variants',
      `at most ${config.generator.maxVariants} variants per brief`,
    );
  }
  const briefId = deps.newId();
  const human = needsHuman(brief, config.playbook);
  const run = { inputTokens: 0, outputTokens: 0 };
  const variants: Variant[] = [];
  const audits: AuditRecord[] = [];

  let stoppedBy: string | undefined;
  for (let index = 0; index < brief.n && !stoppedBy; index++) {
    let result: Awaited<ReturnType<Generator['generate']>> | undefined;
    for (let attempt = 0; attempt <= INVALID_OUTPUT_RETRIES; attempt++) {
      let maxTokens: number;
      try {
        maxTokens = await reserveTokens(deps, run);
      } catch (err) {
        // Nothing generated yet: refuse the run. Otherwise keep what the spent tokens bought.
        if (!(err instanceof TokenBudgetExhaustedError) || (variants.length === 0 && !result)) throw err;
        stoppedBy = err.code;
        break;
      }
      result = await generator.generate({ brief, playbook: config.playbook, index, maxTokens });
      const used = result.trace.usage.inputTokens + result.trace.usage.outputTokens;
      run.inputTokens += result.trace.usage.inputTokens;
      run.outputTokens += result.trace.usage.outputTokens;
      if (used > 0) await deps.budget.add(monthOf(deps.now()), used);
      if (result.kind !== 'invalid_output') break;
    }
    if (!result) break;
    const at = deps.now().toISOString();
    const id = deps.newId();
    const base = {
      id,
      briefId,
      channel: brief.channel,
      intent: brief.intent,
      segment: brief.audience.segment,
      metadata: { generator: generator.kind, model: generator.model },
      needsHuman: human,
      createdAt: at,
      updatedAt: at,
    } as const;
    let variant: Variant;
    if (result.kind === 'generated') {
      const checks = runChecks(result.content, {
        playbook: config.playbook,
        allowedVariables: config.allowedVariables,
      });
      const autoApprove =
        config.review.autoApprove && !human && checks.passed && result.guardrail.status === 'passed';
      variant = {
        ...base,
        status: autoApprove ? 'approved' : 'pending_review',
        content: result.content,
        checks,
        guardrail: result.guardrail,
        ...(autoApprove
          ? {
              review: {
                decision: 'auto_approve',
                reviewer: 'auto',
                comment: 'every check and the guardrail passed',
                at,
                edited: false,
              },
            }
          : {}),
      };
    } else {
      const reason = result.kind === 'guardrail_intervened' ? 'guardrail_intervened' : 'invalid_output';
      variant = {
        ...base,
        status: 'rejected',
        checks: {
          passed: false,
          failures: [
            { code: reason, detail: result.kind === 'guardrail_intervened' ? result.reason : result.detail },
          ],
        },
        guardrail: result.kind === 'guardrail_intervened' ? result.guardrail : { status: 'not_configured' },
        rejectionReason: reason,
        review: { decision: 'auto_reject', reviewer: 'auto', comment: reason, at, edited: false },
      };
    }
    variants.push(variant);
    audits.push({
      kind: 'generated',
      variantId: id,
      at,
      generator: generator.kind,
      model: result.trace.model,
      prompt: result.trace.prompt,
      response: result.trace.response,
      usage: result.trace.usage,
      guardrail: variant.guardrail,
      checks: variant.checks,
      status: variant.status,
    });
  }

  await deps.store.saveGenerated({ briefId, brief, variants, audits });
  return {
    briefId,
    generator: generator.kind,
    model: generator.model,
    usage: run,
    ...(stoppedBy ? { stoppedBy } : {}),
    variants: variants.map((v) => ({
      id: v.id,
      status: v.status,
      checks: v.checks,
      guardrail: v.guardrail,
      needsHuman: v.needsHuman,
      ...(v.rejectionReason ? { rejectionReason: v.rejectionReason } : {}),
    })),
  };
}

/**
 * Checks both budgets before a call and returns the call's maxTokens: the configured maximum,
 * lowered to what is left of the run's budget. Refuses when either budget cannot cover a call.
 */
async function reserveTokens(deps: GenerateDeps, run: TokenUsage): Promise<number> {
  const { budget, generator } = deps.config;
  if (deps.generator.kind === 'offline') return generator.maxTokens;
  const runLeft = budget.tokensPerRun - run.inputTokens - run.outputTokens;
  if (runLeft <= 0) {
    throw new TokenBudgetExhaustedError(
      'run_token_budget_exhausted',
      `this run used its budget of ${budget.tokensPerRun} tokens`,
    );
  }
  const used = await deps.budget.used(monthOf(deps.now()));
  const maxTokens = Math.min(generator.maxTokens, runLeft);
  if (used + maxTokens > budget.tokensPerMonth) {
    throw new TokenBudgetExhaustedError(
      'monthly_token_budget_exhausted',
      `the monthly budget of ${budget.tokensPerMonth} tokens is used up (${used} used)`,
    );
  }
  return maxTokens;
}
