/**
 * Next best action. For each candidate (offer, content, service intervention, do nothing):
 * eligibility rules first (consent, no offers after a bad experience, the margin rule, sensitive
 * segments, required hesitation signals, an approved variant), then
 *   expected value = P(conversion | action) × margin − cost
 * with P from the propensity score adjusted per action (lift, hesitation signal), or from the
 * bandit's posterior once the chosen variant has enough exposures. Variants of a candidate are
 * chosen by Thompson sampling. Every decision stores its explanation for audit and appeal.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { DecideConfig } from '../../config/journeys.js';
import type { MessageOutcomeLog } from '../../ports/activity.js';
import type {
  ApprovedVariant,
  BanditStats,
  DecisionLog,
  DecisionProfile,
  ProfileReader,
  VariantCatalogue,
} from '../../ports/journeys.js';
import { missingContentSkip, recordOutcome } from '../activity/counters.js';
import { type ArmStats, posterior, type Random, thompsonPick } from '../experiments/bandit.js';
import { Candidate, JourneyChannel, JourneyPurpose } from './definition.js';

const Id = z.string().min(1).max(512);
const Common = {
  profileId: Id,
  journey: Id,
  entryKey: z.string().max(256).nullable().default(null),
  executionId: Id,
  step: Id,
  assignment: z
    .object({ arm: z.string().max(64) })
    .passthrough()
    .optional(),
  at: z.iso.datetime({ offset: true }),
};

/** What the decide function receives from a decide state. */
export const DecideActionRequest = z.object({
  mode: z.literal('decide'),
  ...Common,
  candidates: z.array(Candidate).min(1).max(20),
  valueBasis: z.enum(['orderValue', 'clv']).default('orderValue'),
  trigger: z
    .object({
      eventId: z.string().optional(),
      detailType: z.string().optional(),
      detail: z.record(z.string(), z.unknown()),
    })
    .passthrough()
    .optional(),
  events: z.record(z.string(), z.unknown()).default({}),
});

/** What the decide function receives from a send-by-intent (variant choice only). */
export const ChooseVariantRequest = z.object({
  mode: z.literal('variant'),
  ...Common,
  channel: JourneyChannel,
  purpose: JourneyPurpose.default('marketing'),
  intent: z.string().min(1).max(64),
});

export const DecideRequest = z.discriminatedUnion('mode', [DecideActionRequest, ChooseVariantRequest]);
export type DecideRequest = z.infer<typeof DecideRequest>;
export type DecideActionRequest = z.infer<typeof DecideActionRequest>;

export type RejectReason =
  | 'no_consent'
  | 'bad_experience'
  | 'margin_floor'
  | 'sensitive_segment'
  | 'signal_missing'
  | 'no_approved_variant';

/** One candidate as evaluated. */
export interface CandidateEvaluation {
  readonly id: string;
  readonly kind: Candidate['kind'];
  readonly eligible: boolean;
  readonly reasons: readonly RejectReason[];
  readonly p?: number;
  readonly pSource?: 'propensity' | 'posterior';
  readonly margin?: number;
  readonly cost?: number;
  readonly expectedValue?: number;
  readonly variant?: string;
  /** Thompson samples per variant of this candidate. */
  readonly samples?: Readonly<Record<string, number>>;
}

/** The stored and returned explanation of a decision. */
export interface Explanation {
  readonly decisionId: string;
  readonly mode: 'decide' | 'variant';
  readonly journey: string;
  readonly step: string;
  readonly at: string;
  readonly policy: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly candidates: readonly CandidateEvaluation[];
  readonly chosen: {
    readonly candidate: string | null;
    readonly action: Candidate['kind'];
    readonly variant: string | null;
    readonly expectedValue: number | null;
    readonly reason: string;
  };
}

/** What the decide function returns (the state machine keeps all but the explanation). */
export interface DecisionOutput {
  readonly decisionId: string;
  readonly action: Candidate['kind'];
  readonly candidate: string | null;
  readonly channel: JourneyChannel | null;
  readonly purpose: JourneyPurpose | null;
  readonly variant: string | null;
  readonly content: ApprovedVariant | null;
  /**
   * The chosen offer's discount (share of the order value); 0 for any other action. The send step
   * hands it to the send function, which counts offers and their depth per fairness cohort once the
   * message is actually sent.
   */
  readonly discount: number;
  readonly explanation: Explanation;
}

export interface DecideDeps {
  readonly profiles: ProfileReader;
  readonly variants: VariantCatalogue;
  readonly bandit: BanditStats;
  readonly decisions: DecisionLog;
  readonly random: Random;
  readonly config: DecideConfig;
  /**
   * The per-person message log and daily outcome counters: a step left without approved content is
   * recorded as a skipped message (`no_approved_variant`), like the send rules' skips.
   */
  readonly outcomes?: MessageOutcomeLog;
  /** Told when that record fails (it never fails the decision). */
  readonly onOutcomeError?: (error: unknown) => void;
}

/** Stable id of a decision: the same state entry (Lambda retries included) gives the same id. */
export function decisionIdOf(executionId: string, step: string, at: string): string {
  return createHash('sha256').update(`${executionId}|${step}|${at}`, 'utf8').digest('hex').slice(0, 32);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Whether the person had a bad experience: low CSAT/NPS on the profile or in an awaited event. */
export function badExperience(
  profile: DecisionProfile,
  events: Readonly<Record<string, unknown>>,
  config: Pick<DecideConfig, 'badCsatMax' | 'badNpsMax'>,
): { readonly bad: boolean; readonly source: string | null } {
  const csat = num(profile.features.lastCsat);
  if (csat !== undefined && csat <= config.badCsatMax) return { bad: true, source: 'features.lastCsat' };
  const nps = num(profile.features.lastNps);
  if (nps !== undefined && nps <= config.badNpsMax) return { bad: true, source: 'features.lastNps' };
  for (const [step, value] of Object.entries(events)) {
    const e = value as { event?: unknown; detail?: Record<string, unknown> } | null;
    const score = num(e?.detail?.score);
    if (score === undefined) continue;
    if (e?.event === 'CsatSubmitted' && score <= config.badCsatMax)
      return { bad: true, source: `events.${step}` };
    if (e?.event === 'NpsSubmitted' && score <= config.badNpsMax)
      return { bad: true, source: `events.${step}` };
  }
  return { bad: false, source: null };
}

/** Hesitation signals present on the trigger (`detail.hesitation`) or the profile's features. */
export function signalsOf(profile: DecisionProfile, trigger: DecideActionRequest['trigger']): string[] {
  const out = new Set<string>();
  for (const source of [trigger?.detail?.hesitation, profile.features.hesitation]) {
    if (source && typeof source === 'object') {
      for (const [k, v] of Object.entries(source))
        if (v !== undefined && v !== null && v !== false) out.add(k);
    }
  }
  return [...out].sort();
}

/** Everything a pure decision needs, fetched beforehand. */
export interface DecisionContext {
  readonly request: DecideActionRequest;
  readonly profile: DecisionProfile;
  /** Approved variants per candidate id. */
  readonly variants: Readonly<Record<string, readonly ApprovedVariant[]>>;
  /** Bandit stats of the decide step, per variant id. */
  readonly stats: Readonly<Record<string, ArmStats>>;
  readonly config: DecideConfig;
  readonly random: Random;
}

/** The pure next-best-action decision (no I/O). */
export function decideAction(ctx: DecisionContext): DecisionOutput {
  const { request, profile, config } = ctx;
  const decisionId = decisionIdOf(request.executionId, request.step, request.at);
  const baseP = num(profile.scores.propensity30d) ?? config.defaultPropensity;
  const value =
    request.valueBasis === 'clv'
      ? (num(profile.scores.clv12m) ?? num(profile.features.avgOrderValue) ?? config.defaultOrderValue)
      : (num(request.trigger?.detail?.value) ??
        num(profile.features.avgOrderValue) ??
        config.defaultOrderValue);
  const signals = signalsOf(profile, request.trigger);
  const experience = badExperience(profile, request.events, config);
  const sensitive = (profile.segments ?? []).some((s) => config.sensitiveSegments.includes(s));
  const maxDiscount = Math.max(0, config.marginRate - config.marginFloor);

  const evaluations: CandidateEvaluation[] = [];
  const chosenVariants = new Map<string, ApprovedVariant>();
  for (const c of request.candidates) {
    if (c.kind === 'nothing') {
      const margin = value * config.marginRate;
      evaluations.push({
        id: c.id,
        kind: c.kind,
        eligible: true,
        reasons: [],
        p: round(baseP),
        pSource: 'propensity',
        margin: round(margin),
        cost: 0,
        expectedValue: round(baseP * margin),
      });
      continue;
    }
    const reasons: RejectReason[] = [];
    const channel = c.channel!;
    const consent = profile.consent[channel]?.[c.purpose];
    if (c.purpose === 'marketing' ? consent !== true : consent === false) reasons.push('no_consent');
    if (c.kind === 'offer') {
      if (experience.bad) reasons.push('bad_experience');
      if ((c.discount ?? 0) > maxDiscount + 1e-12) reasons.push('margin_floor');
      if (sensitive && !c.approvedForSensitive) reasons.push('sensitive_segment');
    }
    const hasSignal = c.signals.some((s) => signals.includes(s));
    if (c.requiresSignal && !hasSignal) reasons.push('signal_missing');
    const variants = ctx.variants[c.id] ?? [];
    if (variants.length === 0) reasons.push('no_approved_variant');
    if (reasons.length) {
      evaluations.push({ id: c.id, kind: c.kind, eligible: false, reasons });
      continue;
    }
    const pick = thompsonPick(
      variants.map((v) => v.variantId),
      ctx.stats,
      ctx.random,
    );
    chosenVariants.set(c.id, variants.find((v) => v.variantId === pick.chosen)!);
    const arm = ctx.stats[pick.chosen];
    const usePosterior =
      (arm?.exposures ?? 0) >= config.minExposuresForPosterior && config.minExposuresForPosterior > 0;
    const p = usePosterior
      ? (pick.samples[pick.chosen] ?? 0)
      : Math.min(1, baseP * c.lift * (hasSignal ? c.signalLift : 1));
    const margin = value * (config.marginRate - (c.kind === 'offer' ? (c.discount ?? 0) : 0));
    evaluations.push({
      id: c.id,
      kind: c.kind,
      eligible: true,
      reasons: [],
      p: round(p),
      pSource: usePosterior ? 'posterior' : 'propensity',
      margin: round(margin),
      cost: c.cost,
      expectedValue: round(p * margin - c.cost),
      variant: pick.chosen,
      samples: Object.fromEntries(Object.entries(pick.samples).map(([k, v]) => [k, round(v)])),
    });
  }

  // Highest expected value wins; ties go to the earlier candidate (the definition's order).
  let best: CandidateEvaluation | undefined;
  for (const e of evaluations) {
    if (
      e.eligible &&
      (best === undefined || (e.expectedValue ?? -Infinity) > (best.expectedValue ?? -Infinity))
    )
      best = e;
  }
  const candidate = best ? request.candidates.find((c) => c.id === best.id) : undefined;
  const action: Candidate['kind'] = best && best.kind !== 'nothing' ? best.kind : 'nothing';
  const acting = action !== 'nothing';
  const variant = best && acting ? chosenVariants.get(best.id) : undefined;
  const explanation: Explanation = {
    decisionId,
    mode: 'decide',
    journey: request.journey,
    step: request.step,
    at: request.at,
    policy:
      'eligible candidate with the highest P(conversion|action) × margin − cost; Thompson sampling across variants',
    inputs: {
      valueBasis: request.valueBasis,
      value: round(value),
      propensity: round(baseP),
      propensitySource: num(profile.scores.propensity30d) === undefined ? 'default' : 'scores.propensity30d',
      churnRisk: num(profile.scores.churnRisk) ?? null,
      clv12m: num(profile.scores.clv12m) ?? null,
      marginRate: config.marginRate,
      marginFloor: config.marginFloor,
      maxDiscount: round(maxDiscount),
      signals,
      badExperience: experience.bad,
      badExperienceSource: experience.source,
      sensitiveSegment: sensitive,
      arm: request.assignment?.arm ?? null,
    },
    candidates: evaluations,
    chosen: {
      candidate: best?.id ?? null,
      action,
      variant: variant?.variantId ?? null,
      expectedValue: best?.expectedValue ?? null,
      reason: best ? 'highest_expected_value' : 'no_eligible_candidate',
    },
  };
  return {
    decisionId,
    action: explanation.chosen.action,
    candidate: best?.id ?? null,
    channel: acting ? (candidate?.channel ?? null) : null,
    purpose: acting ? (candidate?.purpose ?? null) : null,
    variant: variant?.variantId ?? null,
    content: variant ?? null,
    discount: action === 'offer' ? (candidate?.discount ?? 0) : 0,
    explanation,
  };
}

function nothing(
  request: DecideRequest,
  reason: string,
  inputs: Record<string, unknown> = {},
): DecisionOutput {
  const decisionId = decisionIdOf(request.executionId, request.step, request.at);
  return {
    decisionId,
    action: 'nothing',
    candidate: null,
    channel: null,
    purpose: null,
    variant: null,
    content: null,
    discount: 0,
    explanation: {
      decisionId,
      mode: request.mode,
      journey: request.journey,
      step: request.step,
      at: request.at,
      policy: request.mode === 'decide' ? 'next best action' : 'Thompson sampling across approved variants',
      inputs,
      candidates: [],
      chosen: { candidate: null, action: 'nothing', variant: null, expectedValue: null, reason },
    },
  };
}

/** Thompson choice among the approved variants of a send step (no eligibility: send enforces it). */
export function chooseVariant(
  request: z.infer<typeof ChooseVariantRequest>,
  variants: readonly ApprovedVariant[],
  stats: Readonly<Record<string, ArmStats>>,
  random: Random,
): DecisionOutput {
  if (variants.length === 0)
    return nothing(request, 'no_approved_variant', { intent: request.intent, channel: request.channel });
  const pick = thompsonPick(
    variants.map((v) => v.variantId),
    stats,
    random,
  );
  const variant = variants.find((v) => v.variantId === pick.chosen)!;
  const decisionId = decisionIdOf(request.executionId, request.step, request.at);
  return {
    decisionId,
    action: 'content',
    candidate: request.intent,
    channel: request.channel,
    purpose: request.purpose,
    variant: variant.variantId,
    content: variant,
    discount: 0,
    explanation: {
      decisionId,
      mode: 'variant',
      journey: request.journey,
      step: request.step,
      at: request.at,
      policy:
        'Thompson sampling across approved variants (Beta(1 + conversions, 1 + exposures − conversions))',
      inputs: {
        intent: request.intent,
        channel: request.channel,
        arm: request.assignment?.arm ?? null,
        posteriors: Object.fromEntries(variants.map((v) => [v.variantId, posterior(stats[v.variantId])])),
      },
      candidates: [],
      chosen: {
        candidate: request.intent,
        action: 'content',
        variant: variant.variantId,
        expectedValue: null,
        reason: 'highest_thompson_sample',
      },
    },
  };
}

/** The decide use case: fetch, decide, count the exposure, store the explanation. */
export async function decide(deps: DecideDeps, request: DecideRequest): Promise<DecisionOutput> {
  let out: DecisionOutput;
  if (request.mode === 'variant') {
    const [variants, stats] = await Promise.all([
      deps.variants.approvedVariants({
        journey: request.journey,
        step: request.step,
        channel: request.channel,
        intent: request.intent,
      }),
      deps.bandit.get(request.journey, request.step),
    ]);
    out = chooseVariant(request, variants, stats, deps.random);
  } else {
    const profile = await deps.profiles.get(request.profileId);
    if (!profile) {
      out = nothing(request, 'profile_not_found');
    } else {
      const acting = request.candidates.filter((c) => c.kind !== 'nothing');
      const [lists, stats] = await Promise.all([
        Promise.all(
          acting.map((c) =>
            deps.variants.approvedVariants({
              journey: request.journey,
              step: request.step,
              channel: c.channel!,
              intent: c.intent!,
            }),
          ),
        ),
        deps.bandit.get(request.journey, request.step),
      ]);
      const variants = Object.fromEntries(acting.map((c, i) => [c.id, lists[i] ?? []]));
      out = decideAction({ request, profile, variants, stats, config: deps.config, random: deps.random });
    }
  }
  // The bandit's exposures are counted by the send function when the chosen variant is sent (the
  // send step passes this step as its `decision`): a variant the guardrails then skip was not seen.
  // Fairness counters (sends, offers, discount) are counted by the send function once a message is
  // actually sent: a decision the send guardrails then skip is not a message the person received.
  await deps.decisions.record({
    decisionId: out.decisionId,
    profileId: request.profileId,
    journey: request.journey,
    step: request.step,
    executionId: request.executionId,
    at: request.at,
    explanation: out.explanation as unknown as Record<string, unknown>,
  });
  const skipped = missingContentSkip(request, out);
  if (skipped) await recordOutcome(deps.outcomes, skipped, deps.onOutcomeError ?? (() => {}));
  return out;
}
