/**
 * Journey definitions as typed, validated data. A journey is a trigger, an optional entry key, a
 * start step, steps that name their successors, and global exit conditions. `parseJourney` checks
 * the shape (zod) and the graph (references, reachability, cycles, one split); the compiler
 * (compile.ts) turns a valid definition into Amazon States Language.
 */
import * as z from 'zod';

/** Channels a journey can send on (the channels context's vocabulary). */
export const JourneyChannel = z.enum(['email', 'sms', 'push', 'inApp']);
export type JourneyChannel = z.infer<typeof JourneyChannel>;

export const JourneyPurpose = z.enum(['marketing', 'transactional']);
export type JourneyPurpose = z.infer<typeof JourneyPurpose>;

/** Journey ids become execution-name prefixes and table keys: short kebab-case. */
export const JourneyId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, 'lower-case letters, digits and dashes, 2–40 characters');

/** Step ids become JSONPath segments (`$.decisions.<id>`) and state-name prefixes: camelCase. */
export const StepId = z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'camelCase letters and digits, ≤ 40');

/** Domain-event detail types (EventBridge `detail-type`), PascalCase past tense. */
export const EventName = z.string().regex(/^[A-Z][A-Za-z0-9]{1,63}$/, 'PascalCase event name');

/** A property of an event's detail used as a key (cartId, orderId, ticketId). */
export const KeyProperty = z.string().regex(/^[a-z][A-Za-z0-9]{0,63}$/, 'camelCase property name');

/** A duration; the parts add up. */
export const Duration = z
  .object({
    days: z.number().int().min(0).max(365).optional(),
    hours: z
      .number()
      .int()
      .min(0)
      .max(24 * 365)
      .optional(),
    minutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 365)
      .optional(),
  })
  .strict()
  .refine((d) => durationSeconds(d) > 0, { message: 'a duration must be positive' })
  .refine((d) => durationSeconds(d) <= 365 * 86_400, { message: 'a duration is at most 365 days' });
export type Duration = z.infer<typeof Duration>;

/** Seconds in a duration. */
export function durationSeconds(d: { days?: number; hours?: number; minutes?: number }): number {
  return (d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3_600 + (d.minutes ?? 0) * 60;
}

const FilterValue = z.union([z.string().max(200), z.number(), z.boolean()]);

/** An event trigger's maximum age when the journey names none (hours). */
export const DEFAULT_MAX_TRIGGER_AGE_HOURS = 24 * 7;

/** What starts a journey. */
export const Trigger = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('event'),
      /** EventBridge `detail-type`, e.g. `CheckoutStarted`. */
      detailType: EventName,
      source: z.string().min(1).max(100).default('feltfit.profiles'),
      /** Exact-match filters on top-level detail properties: property → allowed values. */
      filters: z.record(KeyProperty, z.array(FilterValue).min(1).max(20)).default({}),
      /**
       * The oldest trigger that still starts the journey, by the customer's event time (`occurredAt`):
       * an import of history or a backlog replayed late builds profiles without enrolling people in
       * moments long past (a cart from last month). Default: 7 days, so a journey that forgets to say
       * still does not enrol an imported history; at most 400 days.
       */
      maxAgeHours: z
        .number()
        .positive()
        .max(24 * 400)
        .default(DEFAULT_MAX_TRIGGER_AGE_HOURS),
    })
    .strict(),
  z
    .object({
      kind: z.literal('score'),
      /** A banded score of the models context (ScoresChanged event). */
      score: z.enum(['churnRisk', 'clv12m', 'propensity30d']),
      /** The band the score moved to. */
      band: z.enum(['low', 'medium', 'high']),
      source: z.string().min(1).max(100).default('feltfit.intelligence'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('campaign'),
      /** Campaign name in a `CampaignRunRequested` event (`detail.campaign`). */
      campaign: z.string().regex(/^[a-z][a-z0-9-]{1,63}$/),
      source: z.string().min(1).max(100).default('feltfit.campaigns'),
    })
    .strict(),
]);
export type Trigger = z.infer<typeof Trigger>;

/**
 * How duplicated triggers collapse into one execution: one per trigger event, one per entry key
 * (e.g. per cart), or one per profile per window of `days`.
 */
export const Dedupe = z.discriminatedUnion('by', [
  z.object({ by: z.literal('event') }).strict(),
  z.object({ by: z.literal('entryKey') }).strict(),
  z.object({ by: z.literal('window'), days: z.number().int().min(1).max(365) }).strict(),
]);
export type Dedupe = z.infer<typeof Dedupe>;

/** A condition a branch evaluates against the profile, the trigger or an awaited event. */
export const Condition = z
  .object({
    /** Where the value is read: profile traits / features / scores, the trigger's detail, or the event awaited by a step. */
    source: z.enum(['traits', 'features', 'scores', 'trigger', 'event']),
    /** For `event`: the waitForEvent step whose event is read. */
    step: StepId.optional(),
    /** Dotted path inside the source, e.g. `hesitation.shippingViewed`. */
    path: z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/),
    op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'exists', 'notExists', 'in']),
    value: z.union([FilterValue, z.array(FilterValue).max(50)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.source === 'event' && !c.step)
      ctx.addIssue({ code: 'custom', message: 'event conditions name a step' });
    const needsValue = !['exists', 'notExists'].includes(c.op);
    if (needsValue && c.value === undefined)
      ctx.addIssue({ code: 'custom', message: `${c.op} needs a value` });
    if (c.op === 'in' && !Array.isArray(c.value))
      ctx.addIssue({ code: 'custom', message: 'in needs a list' });
  });
export type Condition = z.infer<typeof Condition>;

/** A branch rule: all conditions hold → go to `next`. */
export const BranchRule = z
  .object({ label: z.string().max(80).optional(), all: z.array(Condition).min(1).max(20), next: StepId })
  .strict();
export type BranchRule = z.infer<typeof BranchRule>;

/** Where a send's content comes from. */
export const ContentRef = z.union([
  /** Approved variants of (journey, step, channel) for an intent; the bandit picks one. */
  z.object({ intent: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/) }).strict(),
  /** The variant chosen by an earlier decide step (its channel too). */
  z.object({ fromDecision: StepId }).strict(),
  /**
   * The channel and intent a campaign run names (`detail.message` of its `CampaignRunRequested`):
   * approved variants for that intent, chosen like a send by intent. For campaign journeys.
   */
  z.object({ fromTrigger: z.literal('message') }).strict(),
]);
export type ContentRef = z.infer<typeof ContentRef>;

/** A next-best-action candidate of a decide step. */
export const Candidate = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
    kind: z.enum(['offer', 'content', 'service', 'nothing']),
    /** Content intent of the variants this action sends (not for `nothing`). */
    intent: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/)
      .optional(),
    channel: JourneyChannel.optional(),
    purpose: JourneyPurpose.default('marketing'),
    /** Fixed cost of the action in the account currency (message cost, service time). */
    cost: z.number().min(0).max(10_000).default(0),
    /** Offers: discount as a share of the order value. Bounded by the margin rule at decision time. */
    discount: z.number().min(0).max(1).optional(),
    /** Multiplier on the conversion probability when the action is taken (1 = no effect). */
    lift: z.number().min(0).max(10).default(1),
    /** Hesitation signals this action answers; with `requiresSignal` it is only eligible when one is present. */
    signals: z.array(KeyProperty).max(20).default([]),
    requiresSignal: z.boolean().default(false),
    /** Extra lift when one of `signals` is present. */
    signalLift: z.number().min(1).max(10).default(1.5),
    /** Offers shown to a sensitive segment need this human approval flag. */
    approvedForSensitive: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.kind !== 'nothing' && (!c.intent || !c.channel)) {
      ctx.addIssue({ code: 'custom', message: 'an action other than nothing needs an intent and a channel' });
    }
    if (c.kind === 'offer' && c.discount === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an offer needs a discount' });
    }
  });
export type Candidate = z.infer<typeof Candidate>;
export type CandidateInput = z.input<typeof Candidate>;

const Base = { id: StepId, label: z.string().max(120).optional() };
/** Back-edges this step may take (explicit loops); all other edges must form a DAG. */
const LoopsTo = z.array(StepId).max(10).default([]);

export const WaitStep = z
  .object({
    ...Base,
    type: z.literal('wait'),
    /**
     * A fixed delay; or until the profile's best send hour, a local time window, or the predicted
     * reorder window (purchase cadence minus `leadDays`, at the best send hour).
     */
    duration: Duration.optional(),
    until: z.enum(['bestSendTime', 'window', 'reorderWindow']).optional(),
    leadDays: z.number().int().min(0).max(60).optional(),
    /** Local window `HH:MM`–`HH:MM` in the profile's time zone (for `until: window`). */
    window: z
      .object({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) })
      .strict()
      .optional(),
    next: StepId,
    loopsTo: LoopsTo,
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.duration === undefined) === (s.until === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a wait has exactly one of duration or until' });
    }
    if (s.until === 'window' && !s.window)
      ctx.addIssue({ code: 'custom', message: 'until window needs a window' });
  });

export const WaitForEventStep = z
  .object({
    ...Base,
    type: z.literal('waitForEvent'),
    event: EventName,
    /** Detail property that must equal the journey's entry key (e.g. `cartId`); none = any event. */
    keyProperty: KeyProperty.optional(),
    timeout: Duration,
    next: StepId,
    onTimeout: StepId,
    loopsTo: LoopsTo,
  })
  .strict();

export const BranchStep = z
  .object({
    ...Base,
    type: z.literal('branch'),
    rules: z.array(BranchRule).min(1).max(20),
    default: StepId,
    loopsTo: LoopsTo,
  })
  .strict();

export const SplitVariant = z
  .object({ id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), weight: z.number().positive(), next: StepId })
  .strict();

export const SplitStep = z
  .object({
    ...Base,
    type: z.literal('split'),
    /** Salt of the assignment hash; change it to re-randomise. Defaults to `<journey>:<step>`. */
    salt: z.string().min(1).max(100).optional(),
    variants: z.array(SplitVariant).min(1).max(10),
    /** Share of entrants held out: they take the holdout path, which sends nothing. */
    holdoutShare: z.number().min(0).max(0.5),
    loopsTo: LoopsTo,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (new Set(s.variants.map((v) => v.id)).size !== s.variants.length) {
      ctx.addIssue({ code: 'custom', message: 'variant ids must be unique' });
    }
    if (s.variants.some((v) => v.id === 'holdout' || v.id === 'control')) {
      ctx.addIssue({ code: 'custom', message: 'holdout and control are reserved arm names' });
    }
  });

export const DecideStep = z
  .object({
    ...Base,
    type: z.literal('decide'),
    candidates: z.array(Candidate).min(1).max(20),
    /** What the decision's value is based on: the trigger's order value, or the profile's CLV. */
    valueBasis: z.enum(['orderValue', 'clv']).default('orderValue'),
    /** Next step when an action is chosen; `onNothing` when doing nothing wins. */
    next: StepId,
    onNothing: StepId,
    loopsTo: LoopsTo,
  })
  .strict();

export const SendStep = z
  .object({
    ...Base,
    type: z.literal('send'),
    /** Required for a send by intent; a decision or a campaign's message names its own channel. */
    channel: JourneyChannel.optional(),
    purpose: JourneyPurpose.default('marketing'),
    content: ContentRef,
    priority: z.number().int().min(0).max(100).optional(),
    sensitive: z.boolean().default(false),
    next: StepId,
    loopsTo: LoopsTo,
  })
  .strict()
  .superRefine((s, ctx) => {
    if ('intent' in s.content && !s.channel) {
      ctx.addIssue({ code: 'custom', message: 'a send by intent needs a channel' });
    }
  });

export const UpdateProfileStep = z
  .object({
    ...Base,
    type: z.literal('updateProfile'),
    /** Journey traits to set (names are prefixed `journey_` by the profile writer). */
    set: z.record(KeyProperty, FilterValue).refine((r) => Object.keys(r).length > 0, 'nothing to set'),
    next: StepId,
    loopsTo: LoopsTo,
  })
  .strict();

export const ExitStep = z
  .object({ ...Base, type: z.literal('exit'), reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/) })
  .strict();

export const Step = z.discriminatedUnion('type', [
  WaitStep,
  WaitForEventStep,
  BranchStep,
  SplitStep,
  DecideStep,
  SendStep,
  UpdateProfileStep,
  ExitStep,
]);
export type Step = z.infer<typeof Step>;
export type StepType = Step['type'];

/** Ends the journey at any step when the event happens after the execution started. */
export const ExitCondition = z
  .object({
    event: EventName,
    /** Only an event whose detail property equals the entry key counts (e.g. the same cartId). */
    keyProperty: KeyProperty.optional(),
    /** The event is the journey's goal: the last sent variant is credited with a conversion. */
    conversion: z.boolean().default(false),
  })
  .strict();
export type ExitCondition = z.infer<typeof ExitCondition>;

export const JourneyDefinition = z
  .object({
    id: JourneyId,
    name: z.string().min(1).max(120),
    description: z.string().max(2_000).default(''),
    enabled: z.boolean().default(true),
    trigger: Trigger,
    /** Trigger detail property identifying the journey's subject (cartId, orderId, ticketId). */
    entryKey: KeyProperty.optional(),
    dedupe: Dedupe.optional(),
    /** Send priority 0–100 handed to the channels layer (reserved contact-pressure slots above a cut). */
    priority: z.number().int().min(0).max(100).default(50),
    start: StepId,
    steps: z.array(Step).min(1).max(60),
    exitOn: z.array(ExitCondition).max(10).default([]),
  })
  .strict();
export type JourneyDefinition = z.infer<typeof JourneyDefinition>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinition>;

/** A problem in a definition, addressed by a path (zod-style). */
export interface DefinitionIssue {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly message: string;
}

export type ParseJourneyResult =
  | { readonly ok: true; readonly journey: JourneyDefinition }
  | { readonly ok: false; readonly issues: readonly DefinitionIssue[] };

/** Successor step ids of a step, with the edge's role. */
export function successors(step: Step): { readonly role: string; readonly to: string }[] {
  switch (step.type) {
    case 'wait':
    case 'send':
    case 'updateProfile':
      return [{ role: 'next', to: step.next }];
    case 'waitForEvent':
      return [
        { role: 'next', to: step.next },
        { role: 'onTimeout', to: step.onTimeout },
      ];
    case 'branch':
      return [
        ...step.rules.map((r, i) => ({ role: `rules.${i}.next`, to: r.next })),
        { role: 'default', to: step.default },
      ];
    case 'split':
      return step.variants.map((v, i) => ({ role: `variants.${i}.next`, to: v.next }));
    case 'decide':
      return [
        { role: 'next', to: step.next },
        { role: 'onNothing', to: step.onNothing },
      ];
    case 'exit':
      return [];
  }
}

/** The effective dedupe rule: per entry key when the journey has one, else per trigger event. */
export function effectiveDedupe(journey: JourneyDefinition): Dedupe {
  return journey.dedupe ?? (journey.entryKey ? { by: 'entryKey' } : { by: 'event' });
}

/** Graph checks on a shape-valid definition. */
export function graphIssues(journey: JourneyDefinition): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const byId = new Map<string, Step>();
  journey.steps.forEach((step, i) => {
    if (byId.has(step.id)) {
      issues.push({
        path: ['steps', i, 'id'],
        code: 'duplicate_step',
        message: `step '${step.id}' is defined twice`,
      });
    }
    byId.set(step.id, step);
  });
  if (!byId.has(journey.start)) {
    issues.push({
      path: ['start'],
      code: 'unknown_step',
      message: `start step '${journey.start}' does not exist`,
    });
  }
  journey.steps.forEach((step, i) => {
    for (const edge of successors(step)) {
      if (!byId.has(edge.to)) {
        issues.push({
          path: ['steps', i, ...edge.role.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
          code: 'unknown_step',
          message: `step '${step.id}' goes to '${edge.to}', which does not exist`,
        });
      }
    }
    for (const target of step.type === 'exit' ? [] : step.loopsTo) {
      if (!successors(step).some((e) => e.to === target)) {
        issues.push({
          path: ['steps', i, 'loopsTo'],
          code: 'loop_not_an_edge',
          message: `step '${step.id}' declares a loop to '${target}' but does not go there`,
        });
      }
    }
    if (step.type === 'send' && 'fromDecision' in step.content) {
      const source = byId.get(step.content.fromDecision);
      if (source?.type !== 'decide') {
        issues.push({
          path: ['steps', i, 'content', 'fromDecision'],
          code: 'not_a_decide_step',
          message: `step '${step.id}' takes content from '${step.content.fromDecision}', which is not a decide step`,
        });
      }
    }
    if (step.type === 'branch') {
      step.rules.forEach((rule, r) => {
        rule.all.forEach((c, k) => {
          if (c.source === 'event' && byId.get(c.step ?? '')?.type !== 'waitForEvent') {
            issues.push({
              path: ['steps', i, 'rules', r, 'all', k, 'step'],
              code: 'not_a_wait_for_event_step',
              message: `condition reads the event of '${c.step}', which is not a waitForEvent step`,
            });
          }
        });
      });
    }
    if (step.type === 'waitForEvent' && step.keyProperty && !journey.entryKey) {
      issues.push({
        path: ['steps', i, 'keyProperty'],
        code: 'missing_entry_key',
        message: 'a keyed wait needs the journey to have an entryKey',
      });
    }
  });
  journey.exitOn.forEach((c, i) => {
    if (c.keyProperty && !journey.entryKey) {
      issues.push({
        path: ['exitOn', i, 'keyProperty'],
        code: 'missing_entry_key',
        message: 'a keyed exit condition needs the journey to have an entryKey',
      });
    }
  });
  const splits = journey.steps.filter((s) => s.type === 'split');
  if (splits.length > 1) {
    issues.push({
      path: ['steps'],
      code: 'too_many_splits',
      message: 'a journey has at most one split step',
    });
  }
  const dedupe = effectiveDedupe(journey);
  if (dedupe.by === 'entryKey' && !journey.entryKey) {
    issues.push({
      path: ['dedupe'],
      code: 'missing_entry_key',
      message: 'dedupe by entryKey needs an entryKey',
    });
  }
  if (issues.length > 0) return issues;

  // Reachability from the start step.
  const reached = new Set<string>();
  const stack = [journey.start];
  while (stack.length) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const e of successors(byId.get(id)!)) stack.push(e.to);
  }
  journey.steps.forEach((step, i) => {
    if (!reached.has(step.id)) {
      issues.push({
        path: ['steps', i],
        code: 'unreachable_step',
        message: `step '${step.id}' cannot be reached`,
      });
    }
  });

  // Cycles: the graph without the declared loop edges must be acyclic (three-colour DFS).
  const colour = new Map<string, 'grey' | 'black'>();
  const visit = (id: string, trail: string[]): string[] | undefined => {
    colour.set(id, 'grey');
    const step = byId.get(id)!;
    const loops = step.type === 'exit' ? [] : step.loopsTo;
    for (const e of successors(step)) {
      if (loops.includes(e.to)) continue;
      const c = colour.get(e.to);
      if (c === 'grey') return [...trail, id, e.to];
      if (c === undefined) {
        const found = visit(e.to, [...trail, id]);
        if (found) return found;
      }
    }
    colour.set(id, 'black');
    return undefined;
  };
  const cycle = visit(journey.start, []);
  if (cycle) {
    const from = cycle.indexOf(cycle[cycle.length - 1]!);
    issues.push({
      path: ['steps'],
      code: 'undeclared_cycle',
      message: `steps form a cycle (${cycle.slice(from).join(' → ')}); declare the back-edge in loopsTo`,
    });
  }
  return issues;
}

/** Parses and validates a journey definition: shape first, then references and graph. */
export function parseJourney(input: unknown): ParseJourneyResult {
  const parsed = JourneyDefinition.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
        code: i.code === 'custom' ? 'invalid_definition' : i.code,
        message: i.message,
      })),
    };
  }
  const issues = graphIssues(parsed.data);
  return issues.length ? { ok: false, issues } : { ok: true, journey: parsed.data };
}

/** The step with an id (the definition must be valid). */
export function stepById(journey: JourneyDefinition, id: string): Step {
  const step = journey.steps.find((s) => s.id === id);
  if (!step) throw new RangeError(`no step '${id}' in journey '${journey.id}'`);
  return step;
}

/** The journey's split step, if any. */
export function splitOf(journey: JourneyDefinition): z.infer<typeof SplitStep> | undefined {
  return journey.steps.find((s): s is z.infer<typeof SplitStep> => s.type === 'split');
}
