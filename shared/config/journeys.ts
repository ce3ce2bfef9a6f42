/**
 * Journeys configuration: the journey catalogue, experiments (global control group) and the
 * next-best-action economics. The lead composes `JourneysConfig` into FeltfitConfig; the CDK compiles
 * every enabled journey at synth (compileJourney) and hands functions this config as JSON in
 * `JOURNEYS_CONFIG` (absent → `defaultJourneysConfig`). See docs/journeys.md.
 */
import * as z from 'zod';
import {
  graphIssues,
  JourneyDefinition,
  type JourneyDefinitionInput,
} from '../domain/journeys/definition.js';

/** Hesitation signals the profiles context puts on `CheckoutStarted.detail.hesitation`. */
export const HESITATION_SIGNALS = [
  'shippingViewed',
  'sizeGuideViewed',
  'couponSearched',
  'priceWatchAdded',
] as const;

const exists = (path: string) => ({
  source: 'trigger' as const,
  path: `hesitation.${path}`,
  op: 'exists' as const,
});

/** The journeys Feltfit ships with (docs/journeys.md describes each). */
export const CATALOGUE: JourneyDefinitionInput[] = [
  {
    id: 'onboarding',
    name: 'Onboarding',
    description:
      'Welcome series after an email marketing opt-in: welcome, then a guide or bestsellers, then a first-order nudge.',
    trigger: {
      kind: 'event',
      detailType: 'ConsentChanged',
      filters: { channel: ['email'], purpose: ['marketing'], granted: [true] },
      // A welcome a week late still welcomes; an opt-in from an imported history does not.
      maxAgeHours: 24 * 7,
    },
    dedupe: { by: 'window', days: 365 },
    priority: 40,
    start: 'welcome',
    steps: [
      { id: 'welcome', type: 'send', channel: 'email', content: { intent: 'welcome' }, next: 'waitTwoDays' },
      { id: 'waitTwoDays', type: 'wait', duration: { days: 2 }, next: 'split' },
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.1,
        variants: [
          { id: 'guide', weight: 1, next: 'sendGuide' },
          { id: 'bestsellers', weight: 1, next: 'sendBestsellers' },
        ],
      },
      {
        id: 'sendGuide',
        type: 'send',
        channel: 'email',
        content: { intent: 'getting-started' },
        next: 'waitFirstOrder',
      },
      {
        id: 'sendBestsellers',
        type: 'send',
        channel: 'email',
        content: { intent: 'bestsellers' },
        next: 'waitFirstOrder',
      },
      { id: 'waitFirstOrder', type: 'wait', duration: { days: 5 }, next: 'atBestTime' },
      { id: 'atBestTime', type: 'wait', until: 'bestSendTime', next: 'firstOrderNudge' },
      {
        id: 'firstOrderNudge',
        type: 'send',
        channel: 'email',
        content: { intent: 'first-order-nudge' },
        next: 'done',
      },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'OrderCompleted', conversion: true }],
  },
  {
    id: 'cart-recovery',
    name: 'Cart recovery with empathy',
    description:
      'One journey per cart. After an hour without an order, answers the hesitation the person showed: shipping reassurance, fit help, or an incentive bounded by the margin rule.',
    // A cart from yesterday is still worth a reminder; one from last month is not.
    trigger: { kind: 'event', detailType: 'CheckoutStarted', maxAgeHours: 24 },
    entryKey: 'cartId',
    dedupe: { by: 'entryKey' },
    priority: 70,
    start: 'waitForOrder',
    steps: [
      {
        id: 'waitForOrder',
        type: 'waitForEvent',
        event: 'OrderCompleted',
        keyProperty: 'cartId',
        timeout: { hours: 1 },
        next: 'purchased',
        onTimeout: 'split',
      },
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.1,
        variants: [
          { id: 'empathy', weight: 1, next: 'hesitation' },
          { id: 'reminder', weight: 1, next: 'reminder' },
        ],
      },
      {
        id: 'hesitation',
        type: 'branch',
        rules: [
          { label: 'shipping', all: [exists('shippingViewed')], next: 'reassureShipping' },
          { label: 'fit', all: [exists('sizeGuideViewed')], next: 'fitHelp' },
          { label: 'price (coupon)', all: [exists('couponSearched')], next: 'incentive' },
          { label: 'price (watch)', all: [exists('priceWatchAdded')], next: 'incentive' },
        ],
        default: 'reminder',
      },
      {
        id: 'reassureShipping',
        type: 'send',
        channel: 'email',
        content: { intent: 'shipping-reassurance' },
        next: 'waitSecondChance',
      },
      {
        id: 'fitHelp',
        type: 'send',
        channel: 'email',
        content: { intent: 'fit-help' },
        next: 'waitSecondChance',
      },
      {
        id: 'incentive',
        type: 'decide',
        valueBasis: 'orderValue',
        candidates: [
          {
            id: 'cart-discount',
            kind: 'offer',
            intent: 'cart-incentive',
            channel: 'email',
            discount: 0.1,
            lift: 1.8,
            signals: ['couponSearched', 'priceWatchAdded'],
            cost: 0.01,
          },
          {
            id: 'cart-reminder',
            kind: 'content',
            intent: 'cart-reminder',
            channel: 'email',
            lift: 1.2,
            cost: 0.01,
          },
          { id: 'nothing', kind: 'nothing' },
        ],
        next: 'sendIncentive',
        onNothing: 'waitSecondChance',
      },
      { id: 'sendIncentive', type: 'send', content: { fromDecision: 'incentive' }, next: 'waitSecondChance' },
      {
        id: 'reminder',
        type: 'send',
        channel: 'email',
        content: { intent: 'cart-reminder' },
        next: 'waitSecondChance',
      },
      {
        id: 'waitSecondChance',
        type: 'waitForEvent',
        event: 'OrderCompleted',
        keyProperty: 'cartId',
        timeout: { hours: 24 },
        next: 'purchased',
        onTimeout: 'lastCall',
      },
      { id: 'lastCall', type: 'send', channel: 'email', content: { intent: 'cart-last-call' }, next: 'done' },
      { id: 'purchased', type: 'exit', reason: 'purchased' },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'OrderCompleted', keyProperty: 'cartId', conversion: true }],
  },
  {
    id: 'browse-abandonment',
    name: 'Browse abandonment',
    description:
      'A product viewed repeatedly without a cart: one recommendation two hours later, at most weekly.',
    trigger: { kind: 'event', detailType: 'BrowseAbandoned', maxAgeHours: 24 },
    entryKey: 'productId',
    dedupe: { by: 'window', days: 7 },
    priority: 30,
    start: 'waitTwoHours',
    steps: [
      { id: 'waitTwoHours', type: 'wait', duration: { hours: 2 }, next: 'split' },
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.15,
        variants: [{ id: 'recommend', weight: 1, next: 'recommend' }],
      },
      {
        id: 'recommend',
        type: 'send',
        channel: 'email',
        content: { intent: 'browse-recommendation' },
        next: 'done',
      },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'CheckoutStarted' }, { event: 'OrderCompleted', conversion: true }],
  },
  {
    id: 'win-back',
    name: 'Win-back',
    description:
      'Churn risk moved to high: next best action weighted by CLV (offer, content or nothing), then a follow-up a week later.',
    trigger: { kind: 'score', score: 'churnRisk', band: 'high' },
    dedupe: { by: 'window', days: 90 },
    priority: 50,
    start: 'split',
    steps: [
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.1,
        variants: [{ id: 'nba', weight: 1, next: 'chooseAction' }],
      },
      {
        id: 'chooseAction',
        type: 'decide',
        valueBasis: 'clv',
        candidates: [
          {
            id: 'winback-offer',
            kind: 'offer',
            intent: 'winback-offer',
            channel: 'email',
            discount: 0.15,
            lift: 1.8,
            cost: 0.01,
          },
          {
            id: 'we-miss-you',
            kind: 'content',
            intent: 'we-miss-you',
            channel: 'email',
            lift: 1.3,
            cost: 0.01,
          },
          { id: 'nothing', kind: 'nothing' },
        ],
        next: 'atBestTime',
        onNothing: 'done',
      },
      { id: 'atBestTime', type: 'wait', until: 'bestSendTime', next: 'sendWinback' },
      { id: 'sendWinback', type: 'send', content: { fromDecision: 'chooseAction' }, next: 'waitWeek' },
      { id: 'waitWeek', type: 'wait', duration: { days: 7 }, next: 'followUp' },
      {
        id: 'followUp',
        type: 'send',
        channel: 'email',
        content: { intent: 'winback-follow-up' },
        next: 'done',
      },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'OrderCompleted', conversion: true }],
  },
  {
    id: 'replenishment',
    name: 'Replenishment',
    description:
      'Reminds a person to reorder shortly before their own purchase cadence says they will run out.',
    // Orders from the last two months can still be due for a reorder; older history only builds features.
    trigger: { kind: 'event', detailType: 'OrderCompleted', maxAgeHours: 24 * 60 },
    entryKey: 'orderId',
    priority: 45,
    start: 'waitReorder',
    steps: [
      { id: 'waitReorder', type: 'wait', until: 'reorderWindow', leadDays: 3, next: 'split' },
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.1,
        variants: [{ id: 'reminder', weight: 1, next: 'remind' }],
      },
      {
        id: 'remind',
        type: 'send',
        channel: 'email',
        content: { intent: 'replenishment-reminder' },
        next: 'done',
      },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'OrderCompleted', conversion: true }],
  },
  {
    id: 'service-follow-up',
    name: 'Service follow-up',
    description:
      'Ticket resolved → CSAT survey → an apology and helpful content after a bad experience (never an offer), or a loyalty perk / helpful content after a good one.',
    trigger: { kind: 'event', detailType: 'TicketResolved', maxAgeHours: 24 * 7 },
    entryKey: 'ticketId',
    priority: 60,
    start: 'waitDay',
    steps: [
      { id: 'waitDay', type: 'wait', duration: { days: 1 }, next: 'askCsat' },
      {
        id: 'askCsat',
        type: 'send',
        channel: 'email',
        purpose: 'transactional',
        content: { intent: 'csat-survey' },
        next: 'waitCsat',
      },
      {
        id: 'waitCsat',
        type: 'waitForEvent',
        event: 'CsatSubmitted',
        keyProperty: 'ticketId',
        timeout: { days: 3 },
        next: 'howWasIt',
        onTimeout: 'helpful',
      },
      {
        id: 'howWasIt',
        type: 'branch',
        rules: [
          {
            label: 'bad experience',
            all: [{ source: 'event', step: 'waitCsat', path: 'detail.score', op: 'lte', value: 2 }],
            next: 'apology',
          },
        ],
        default: 'perk',
      },
      {
        id: 'apology',
        type: 'send',
        channel: 'email',
        purpose: 'transactional',
        content: { intent: 'service-apology' },
        next: 'done',
      },
      {
        id: 'perk',
        type: 'decide',
        valueBasis: 'clv',
        candidates: [
          {
            id: 'loyalty-perk',
            kind: 'offer',
            intent: 'loyalty-perk',
            channel: 'email',
            discount: 0.05,
            lift: 1.3,
            cost: 0.01,
          },
          {
            id: 'helpful-content',
            kind: 'content',
            intent: 'helpful-content',
            channel: 'email',
            lift: 1.1,
            cost: 0.01,
          },
          { id: 'nothing', kind: 'nothing' },
        ],
        next: 'sendPerk',
        onNothing: 'done',
      },
      { id: 'sendPerk', type: 'send', content: { fromDecision: 'perk' }, next: 'done' },
      { id: 'helpful', type: 'send', channel: 'email', content: { intent: 'helpful-content' }, next: 'done' },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'TicketReopened', keyProperty: 'ticketId' }],
  },
  {
    id: 'loyalty-referral',
    name: 'Loyalty and referral',
    description:
      'Campaign run: promoters get a referral invitation, people after a bad experience a thank-you without an offer, everyone else the next best loyalty action.',
    trigger: { kind: 'campaign', campaign: 'loyalty-referral' },
    priority: 35,
    start: 'split',
    steps: [
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.1,
        variants: [{ id: 'standard', weight: 1, next: 'segment' }],
      },
      {
        id: 'segment',
        type: 'branch',
        rules: [
          {
            label: 'bad CSAT',
            all: [{ source: 'features', path: 'lastCsat', op: 'lte', value: 2 }],
            next: 'thankYou',
          },
          {
            label: 'detractor',
            all: [{ source: 'features', path: 'lastNps', op: 'lte', value: 6 }],
            next: 'thankYou',
          },
          {
            label: 'promoter',
            all: [{ source: 'features', path: 'lastNps', op: 'gte', value: 9 }],
            next: 'referral',
          },
        ],
        default: 'perk',
      },
      {
        id: 'referral',
        type: 'send',
        channel: 'email',
        content: { intent: 'referral-invite' },
        next: 'markInvited',
      },
      { id: 'markInvited', type: 'updateProfile', set: { referralInvited: true }, next: 'done' },
      {
        id: 'thankYou',
        type: 'send',
        channel: 'email',
        content: { intent: 'loyalty-thank-you' },
        next: 'done',
      },
      {
        id: 'perk',
        type: 'decide',
        valueBasis: 'clv',
        candidates: [
          {
            id: 'loyalty-perk',
            kind: 'offer',
            intent: 'loyalty-perk',
            channel: 'email',
            discount: 0.05,
            lift: 1.3,
            cost: 0.01,
          },
          {
            id: 'loyalty-thank-you',
            kind: 'content',
            intent: 'loyalty-thank-you',
            channel: 'email',
            lift: 1.05,
            cost: 0.01,
          },
          { id: 'nothing', kind: 'nothing' },
        ],
        next: 'sendPerk',
        onNothing: 'done',
      },
      { id: 'sendPerk', type: 'send', content: { fromDecision: 'perk' }, next: 'done' },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [],
  },
  {
    id: 'campaign-message',
    name: 'Campaign message',
    description:
      'The one message a campaign run names (channel and content intent) to its audience, with a holdout so the run’s lift is measured.',
    trigger: { kind: 'campaign', campaign: 'campaign-message' },
    priority: 40,
    start: 'split',
    steps: [
      {
        id: 'split',
        type: 'split',
        holdoutShare: 0.1,
        variants: [{ id: 'message', weight: 1, next: 'send' }],
      },
      { id: 'send', type: 'send', content: { fromTrigger: 'message' }, next: 'done' },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [],
  },
];

export const ExperimentsConfig = z.object({
  globalControl: z
    .object({
      /** Share of all profiles excluded from every marketing journey (the long-run baseline). */
      share: z.number().min(0).max(0.5).default(0.05),
      /** Changing the salt re-draws the control group. */
      salt: z.string().min(1).max(100).default('feltfit-global-control-v1'),
    })
    .prefault({}),
  /**
   * The send-time optimisation holdout: this share of people have their best-send-time waits end at
   * `fixedHour` (local) instead of their best hour, so the report can measure what optimising the
   * send time adds. 0 turns it off.
   */
  sendTime: z
    .object({
      holdoutShare: z.number().min(0).max(0.5).default(0.1),
      fixedHour: z.number().int().min(0).max(23).default(10),
      /** Changing the salt re-draws the holdout. */
      salt: z.string().min(1).max(100).default('feltfit-send-time-v1'),
    })
    .prefault({}),
});
export type ExperimentsConfig = z.infer<typeof ExperimentsConfig>;

export const DecideConfig = z
  .object({
    /** Gross margin as a share of order value. */
    marginRate: z.number().min(0).max(1).default(0.4),
    /** Margin that must remain after any discount: discount ≤ marginRate − marginFloor. */
    marginFloor: z.number().min(0).max(1).default(0.15),
    /** CSAT (1–5) at or below this is a bad experience: no offers. */
    badCsatMax: z.number().min(0).max(5).default(2),
    /** NPS (0–10) at or below this is a bad experience: no offers. */
    badNpsMax: z.number().min(0).max(10).default(6),
    /** Segments whose members only get offers approved for sensitive segments. */
    sensitiveSegments: z.array(z.string().min(1).max(64)).default(['minor', 'vulnerable', 'bereaved']),
    /** Conversion probability when the profile has no propensity score. */
    defaultPropensity: z.number().min(0).max(1).default(0.05),
    /** Order value when the trigger carries none and the profile has no average order value. */
    defaultOrderValue: z.number().min(0).default(50),
    /** Exposures an arm needs before its bandit posterior replaces the propensity-based estimate. */
    minExposuresForPosterior: z.number().int().min(0).default(50),
  })
  .prefault({});
export type DecideConfig = z.infer<typeof DecideConfig>;

export const JourneysConfig = z.object({
  journeys: z
    .array(JourneyDefinition)
    .default(() => CATALOGUE.map((j) => JourneyDefinition.parse(j)))
    .superRefine((journeys, ctx) => {
      const seen = new Set<string>();
      journeys.forEach((j, i) => {
        if (seen.has(j.id))
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `journey '${j.id}' twice` });
        seen.add(j.id);
        for (const issue of graphIssues(j)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, ...issue.path],
            message: `${issue.code}: ${issue.message}`,
          });
        }
      });
    }),
  experiments: ExperimentsConfig.prefault({}),
  decide: DecideConfig,
  /** Error names the send function throws for retryable failures (Step Functions Retry). */
  sendRetryErrors: z
    .array(z.string().regex(/^[A-Za-z][A-Za-z0-9.]*$/))
    .default(['ProviderThrottledError', 'ProviderUnavailableError']),
  /** Days an event occurrence is kept for exit checks, and a waiting token past its timeout (TTL). */
  retentionDays: z.number().int().min(1).max(400).default(35),
  /** Days decisions (explanations) and assignments are kept for audit, appeal and measurement. */
  auditRetentionDays: z.number().int().min(30).max(3650).default(400),
});
export type JourneysConfig = z.infer<typeof JourneysConfig>;

export const defaultJourneysConfig: JourneysConfig = JourneysConfig.parse({});

/** Parses `JOURNEYS_CONFIG` (JSON; absent → defaults), failing fast with the variable's name. */
export function parseJourneysConfigEnv(env: Record<string, string | undefined>): JourneysConfig {
  const raw = env.JOURNEYS_CONFIG;
  if (raw === undefined || raw === '') return defaultJourneysConfig;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error('invalid environment: JOURNEYS_CONFIG is not JSON', { cause: err });
  }
  const parsed = JourneysConfig.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => `JOURNEYS_CONFIG.${i.path.join('.')}`).join(', ');
    throw new Error(`invalid environment: ${paths}`);
  }
  return parsed.data;
}
