/**
 * Content benchmarks (figures, never pass/fail):
 * - checks per second over a corpus of offline-generated and synthetic variants;
 * - tokens per variant (prompt size measured, answer size estimated) and the estimated Bedrock cost
 *   per 1,000 variants for the configured model, from BEDROCK_PRICES_USD_PER_1K_TOKENS_2026_11;
 * - how long hostile loops run: an unsandboxed liquidjs engine against the sandboxed one.
 */
import { Liquid } from 'liquidjs';
import {
  BEDROCK_PRICES_USD_PER_1K_TOKENS_2026_11,
  CONTENT_CHANNELS,
  defaultContentConfig,
} from '../../shared/config/content.js';
import { sandboxedLiquid, templateError } from '../../shared/domain/channels/liquid.js';
import { runChecks } from '../../shared/domain/content/checks.js';
import { composeOffline } from '../../shared/domain/content/offline.js';
import { channelJsonSchema, systemPrompt, userPrompt } from '../../shared/domain/content/prompt.js';
import { Brief, type ContentBody, INTENTS } from '../../shared/domain/content/schemas.js';

const ROUNDS = Number(process.env.BENCH_CONTENT_ROUNDS ?? 20);
// A rough, model-independent estimate: ~4 characters per token for English prose and JSON.
const CHARS_PER_TOKEN = 4;

function corpus(): ContentBody[] {
  const playbook = defaultContentConfig.playbook;
  const bodies: ContentBody[] = [];
  for (const channel of CONTENT_CHANNELS) {
    for (const intent of INTENTS) {
      const brief = Brief.parse({
        journeyStep: 'bench',
        intent,
        channel,
        audience: { segment: 'all' },
        product: { name: 'Merino Starter Kit', facts: ['Two skeins of DK merino.', 'Bamboo needles, 4 mm.'] },
        ...(intent === 'incentive' ? { offer: { type: 'loyalty', percent: 15 } } : {}),
      });
      for (const index of [0, 1, 2]) bodies.push(composeOffline(brief, playbook, index));
    }
  }
  // Synthetic variants with the defects and tricks the checks exist for.
  const tricks = [
    'ｆｒｅｅ',
    'fr\u200Bee',
    'YarnBarn',
    'guaranteed',
    '#1',
    '45% off',
    '{{ profile.traits.ssn }}',
    '{% if x %}',
  ];
  for (const [i, trick] of tricks.entries()) {
    bodies.push({ type: 'push', title: `Variant ${i}`, body: `Knit something new today, ${trick}.` });
    bodies.push({ type: 'sms', text: `Loop & Purl: ${trick} ${'yarn '.repeat(40)}Reply STOP to opt out` });
  }
  return bodies;
}

/** Prints checks/s and tokens and cost per 1,000 variants. */
export async function benchContent(): Promise<void> {
  const config = defaultContentConfig;
  const context = { playbook: config.playbook, allowedVariables: config.allowedVariables };
  const bodies = corpus();
  runChecks(bodies[0]!, context); // warm up the parser and regex caches
  let failed = 0;
  const start = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) {
    for (const body of bodies) if (!runChecks(body, context).passed) failed++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const checked = bodies.length * ROUNDS;
  console.log('content checks');
  console.log(
    `  corpus            ${bodies.length} variants (${bodies.length - 16} offline, 16 synthetic), ${ROUNDS} rounds`,
  );
  console.log(
    `  checks/s          ${Math.round(checked / seconds)} variants/s (${((seconds * 1e6) / checked).toFixed(1)} µs each)`,
  );
  console.log(`  failing           ${failed / ROUNDS} of ${bodies.length} per round`);

  const modelId = process.env.BEDROCK_MODEL_ID ?? config.generator.defaultModelId;
  const price = BEDROCK_PRICES_USD_PER_1K_TOKENS_2026_11[modelId];
  const email = Brief.parse({
    journeyStep: 'bench',
    intent: 'shipping_reassurance',
    channel: 'email',
    audience: { segment: 'all' },
    product: { name: 'Merino Starter Kit', facts: ['Two skeins of DK merino.'] },
  });
  const input =
    systemPrompt(config.playbook).length +
    userPrompt(email, 0, config.allowedVariables).length +
    JSON.stringify(channelJsonSchema('email')).length;
  const output = JSON.stringify(composeOffline(email, config.playbook, 0)).length;
  const inTokens = Math.ceil(input / CHARS_PER_TOKEN);
  const outTokens = Math.ceil(output / CHARS_PER_TOKEN);
  console.log(
    `bedrock (${modelId}, one Converse call per variant, estimate at ${CHARS_PER_TOKEN} chars/token)`,
  );
  console.log(`  tokens/variant    ~${inTokens} in + ~${outTokens} out (email)`);
  console.log(`  per 1,000         ~${inTokens * 1000} in + ~${outTokens * 1000} out tokens`);
  if (price) {
    const cost = ((inTokens * price.input + outTokens * price.output) * 1000) / 1000;
    console.log(`  cost/1,000        $${cost.toFixed(4)} (prices of 2026-11; guardrail text units extra)`);
  } else {
    console.log('  cost/1,000        no price recorded for this model in shared/config/content.ts');
  }
  benchSandbox();
}

/** Milliseconds and outcome of one render. */
function timed(engine: Liquid, source: string): { ms: number; outcome: string } {
  const start = process.hrtime.bigint();
  let outcome: string;
  try {
    outcome = `${String(engine.parseAndRenderSync(source)).length} characters`;
  } catch (err) {
    outcome = templateError(err).code;
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, outcome };
}

function benchSandbox(): void {
  const cases = [
    ['3M-iteration loop', '{% for i in (1..3000000) %}x{% endfor %}'],
    ['nested 1000 × 1000', '{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}'],
  ] as const;
  const plain = new Liquid();
  const sandbox = sandboxedLiquid();
  console.log('template sandbox (one render each)');
  for (const [name, source] of cases) {
    const a = timed(plain, source);
    const b = timed(sandbox, source);
    console.log(
      `  ${name.padEnd(18)} unsandboxed ${a.ms.toFixed(0)} ms (${a.outcome}), sandboxed ${b.ms.toFixed(0)} ms (${b.outcome})`,
    );
  }
}
