/**
 * Content generation configuration: the brand playbook (the rules every variant is checked against,
 * whoever wrote it), the generator and guardrail settings, token budgets and review policy.
 * The lead composes `ContentConfig` into FeltfitConfig; functions receive it as JSON in
 * `CONTENT_CONFIG` (see functions/generate-content/handler.ts).
 */
import * as z from 'zod';

/** Channels a content variant can be written for. */
export const CONTENT_CHANNELS = [
  'email',
  'sms',
  'push',
  'in_app',
  'faq',
  'product_description',
  'call_script',
] as const;
export const ContentChannel = z.enum(CONTENT_CHANNELS);
export type ContentChannel = z.infer<typeof ContentChannel>;

/** A topic the brand never writes about; `keywords` let the local checks catch it too. */
export const TabooTopic = z.object({
  /** Short name, also the Bedrock denied-topic name (letters, digits, spaces, `-_!?.`). */
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[0-9a-zA-Z\-_ !?.]+$/),
  /** One-sentence definition, as Bedrock's denied-topic definition (≤ 200 chars). */
  definition: z.string().min(1).max(200),
  /** Sample phrases for the guardrail (≤ 5, each ≤ 100 chars). */
  examples: z.array(z.string().min(1).max(100)).max(5).default([]),
  /** Words or phrases whose presence the local checks treat as this topic. */
  keywords: z.array(z.string().min(1)).default([]),
});
export type TabooTopic = z.infer<typeof TabooTopic>;

const Chars = z.number().int().positive();

/** Length limits per channel, in characters (SMS in segments). */
export const LengthLimits = z.object({
  email: z.object({ subject: Chars, preheader: Chars, text: Chars, html: Chars }),
  sms: z.object({ maxSegments: z.number().int().min(1).max(10) }),
  push: z.object({ title: Chars, body: Chars }),
  in_app: z.object({ title: Chars, body: Chars, cta: Chars }),
  faq: z.object({ question: Chars, answer: Chars }),
  product_description: z.object({ title: Chars, body: Chars }),
  call_script: z.object({ opening: Chars, body: Chars, closing: Chars }),
});
export type LengthLimits = z.infer<typeof LengthLimits>;

/** The brand playbook: voice, audience, forbidden language and per-channel rules. */
export const BrandPlaybook = z.object({
  brand: z.string().min(1),
  voice: z.string().min(1),
  tone: z.array(z.string().min(1)).min(1),
  audience: z.string().min(1),
  doExamples: z.array(z.string().min(1)).default([]),
  dontExamples: z.array(z.string().min(1)).default([]),
  tabooTopics: z.array(TabooTopic).default([]),
  /** Words and phrases never to use (matched on word boundaries, case- and width-insensitive). */
  disallowedWords: z.array(z.string().min(1)).default([]),
  competitorNames: z.array(z.string().min(1)).default([]),
  claims: z.object({
    /** Unverifiable superlatives and guarantees. A trailing `*` matches any word ending. */
    disallowedPatterns: z.array(z.string().min(1)).default([]),
  }),
  offers: z.object({
    /** Largest discount a variant may mention, in percent. */
    maxDiscountPercent: z.number().min(0).max(100),
  }),
  /** Literal elements that must appear in every variant of a channel (all text fields of it). */
  requiredElements: z.object({
    email: z.array(z.string().min(1)).default([]),
    sms: z.array(z.string().min(1)).default([]),
    push: z.array(z.string().min(1)).default([]),
    in_app: z.array(z.string().min(1)).default([]),
  }),
  lengthLimits: LengthLimits,
  /** Audience segments whose variants always need a person's approval. */
  sensitiveSegments: z.array(z.string().min(1)).default([]),
  /** Offer types (e.g. `credit`, `health`) whose variants always need a person's approval. */
  sensitiveOfferTypes: z.array(z.string().min(1)).default([]),
});
export type BrandPlaybook = z.infer<typeof BrandPlaybook>;

/** The whole content section of Feltfit's configuration. */
export const ContentConfig = z.object({
  playbook: BrandPlaybook,
  /** Personalisation variables a template may use (Liquid paths). */
  allowedVariables: z.array(z.string().min(1)).min(1),
  generator: z.object({
    /** Model priced by the bench; the function uses `BEDROCK_MODEL_ID` (unset → offline generator). */
    defaultModelId: z.string().min(1),
    maxTokens: z.number().int().min(64).max(8192),
    temperature: z.number().min(0).max(1),
    maxVariants: z.number().int().min(1).max(10),
    /** Attempts per Bedrock call on throttling / unavailability / timeout (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(10),
    baseDelayMs: z.number().int().min(1),
    maxDelayMs: z.number().int().min(1),
    /** Per-call timeout. */
    timeoutMs: z.number().int().min(100),
  }),
  budget: z.object({
    tokensPerRun: z.number().int().positive(),
    tokensPerMonth: z.number().int().positive(),
  }),
  review: z.object({
    /** Auto-approve variants that pass every check and the guardrail, unless sensitive. */
    autoApprove: z.boolean(),
  }),
});
export type ContentConfig = z.infer<typeof ContentConfig>;

/** The shipped playbook, for the fictional knitwear shop "Loop & Purl". */
export const defaultPlaybook: BrandPlaybook = BrandPlaybook.parse({
  brand: 'Loop & Purl',
  voice: 'A friendly knitter who knows yarn: plain words, short sentences, practical help first.',
  tone: ['warm', 'practical', 'lightly playful', 'never pushy'],
  audience: 'Home knitters and crocheters, beginners to experienced, who buy yarn, needles and kits online.',
  doExamples: [
    'Your merino is on its way and should arrive by Thursday.',
    'Between sizes? Our fit guide compares each pattern with a sweater you already own.',
  ],
  dontExamples: [
    'BUY NOW!!! Best yarn in the world, guaranteed!',
    'Last chance ever, you will regret missing this.',
  ],
  tabooTopics: [
    {
      name: 'Medical claims',
      definition: 'Claims that a product treats, cures or prevents a disease or health condition.',
      examples: ['This wool cures arthritis', 'Knitting with our yarn heals anxiety'],
      keywords: ['cure', 'cures', 'heals', 'treats arthritis'],
    },
    {
      name: 'Politics',
      definition: 'Political parties, elections, candidates or partisan political opinions.',
      examples: ['Vote for the party that supports crafts'],
      keywords: ['election', 'vote for'],
    },
  ],
  disallowedWords: ['free', 'cheap', 'hurry', 'act now', 'last chance'],
  competitorNames: ['WoolWorld', 'YarnBarn', 'KnitMart'],
  claims: {
    disallowedPatterns: [
      'best in the world',
      'world-class',
      'guarantee*',
      '#1',
      'number one',
      'cheapest',
      'lowest price*',
      'risk-free',
      'clinically proven',
      '100% satisf*',
    ],
  },
  offers: { maxDiscountPercent: 20 },
  requiredElements: {
    email: ['{{ unsubscribe_url }}'],
    sms: ['Reply STOP to opt out'],
    push: [],
    in_app: [],
  },
  lengthLimits: {
    email: { subject: 60, preheader: 100, text: 4000, html: 20000 },
    sms: { maxSegments: 2 },
    push: { title: 40, body: 140 },
    in_app: { title: 40, body: 200, cta: 20 },
    faq: { question: 150, answer: 800 },
    product_description: { title: 80, body: 1200 },
    call_script: { opening: 300, body: 2000, closing: 300 },
  },
  sensitiveSegments: ['minors', 'bereavement', 'financial_hardship', 'health_condition'],
  sensitiveOfferTypes: ['credit', 'health', 'buy_now_pay_later'],
});

/** Defaults: offline unless BEDROCK_MODEL_ID is set; auto-approve off. */
export const defaultContentConfig: ContentConfig = ContentConfig.parse({
  playbook: defaultPlaybook,
  allowedVariables: [
    'profile.traits.firstName',
    'profile.traits.lastName',
    'profile.traits.city',
    'profile.features.cart.value',
    'profile.features.cart.items',
    'profile.features.rfm.segment',
    'product.name',
    'product.url',
    'product.price',
    'order.id',
    'order.eta',
    'offer.code',
    'offer.percent',
    'unsubscribe_url',
    'preferences_url',
  ],
  generator: {
    defaultModelId: 'amazon.nova-lite-v1:0',
    maxTokens: 1024,
    temperature: 0.7,
    maxVariants: 5,
    maxAttempts: 4,
    baseDelayMs: 250,
    maxDelayMs: 4000,
    timeoutMs: 20_000,
  },
  budget: { tokensPerRun: 20_000, tokensPerMonth: 5_000_000 },
  review: { autoApprove: false },
});

/**
 * Bedrock on-demand prices in USD per 1,000 tokens, us-east-1, as listed on the Amazon Bedrock
 * pricing page (recorded 2026-11-28; verify before quoting). Used by test/bench/content.ts only.
 */
export const BEDROCK_PRICES_USD_PER_1K_TOKENS_2026_11: Readonly<
  Record<string, { readonly input: number; readonly output: number }>
> = {
  'amazon.nova-micro-v1:0': { input: 0.000035, output: 0.00014 },
  'amazon.nova-lite-v1:0': { input: 0.00006, output: 0.00024 },
  'amazon.nova-pro-v1:0': { input: 0.0008, output: 0.0032 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0.0008, output: 0.004 },
};
