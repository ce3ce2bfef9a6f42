import { describe, expect, it } from 'vitest';
import { defaultContentConfig, defaultPlaybook } from '../../../shared/config/content.js';
import { TokenBudgetExhaustedError } from '../../../shared/domain/content/errors.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { OfflineGenerator } from '../../../shared/domain/content/offline.js';
import type { GenerationRequest, GenerationResult, Generator } from '../../../shared/ports/content.js';
import { brief, config, fixedNow, MemoryBudget, MemoryContentStore, newId } from './support.js';

/** A "Bedrock" generator that spends a fixed number of tokens per call and records maxTokens. */
class SpendingGenerator implements Generator {
  readonly kind = 'bedrock' as const;
  readonly model = 'test-model';
  readonly maxTokens: number[] = [];
  constructor(private readonly tokens: number) {}
  async generate(request: GenerationRequest): Promise<GenerationResult> {
    this.maxTokens.push(request.maxTokens);
    return {
      kind: 'generated',
      content: { type: 'push', title: 'Your order is on its way', body: 'It left our studio today.' },
      guardrail: { status: 'passed', source: 'bedrock' },
      trace: {
        model: this.model,
        prompt: { system: 's', user: 'u' },
        response: '{}',
        usage: { inputTokens: this.tokens - 100, outputTokens: 100 },
      },
    };
  }
}

const offline = new OfflineGenerator({ playbook: defaultPlaybook });
const deps = (overrides: Partial<Parameters<typeof generateContent>[0]> = {}) => ({
  config: config(),
  generator: offline,
  budget: new MemoryBudget(),
  store: new MemoryContentStore(),
  now: fixedNow,
  newId,
  ...overrides,
});

describe('generateContent', () => {
  it('stores n offline variants pending review with their checks and an audit record each', async () => {
    const store = new MemoryContentStore();
    const result = await generateContent(deps({ store }), brief({ n: 3 }));
    expect(result.variants).toHaveLength(3);
    expect(result.variants.every((v) => v.status === 'pending_review' && v.checks.passed)).toBe(true);
    const stored = [...store.variants.values()];
    expect(stored.map((v) => v.metadata.generator)).toEqual(['offline', 'offline', 'offline']);
    expect(store.audits.map((a) => a.kind)).toEqual(['generated', 'generated', 'generated']);
    expect(store.audits[0]).toMatchObject({ prompt: { system: expect.stringContaining('Loop & Purl') } });
  });

  it('auto-approves variants that pass everything only when the config allows it', async () => {
    const on = config({ review: { autoApprove: true } });
    const approved = await generateContent(deps({ config: on }), brief({ n: 1 }));
    expect(approved.variants[0]!.status).toBe('approved');
    const off = await generateContent(deps(), brief({ n: 1 }));
    expect(off.variants[0]!.status).toBe('pending_review');
  });

  it('never auto-approves a sensitive segment or offer type', async () => {
    const on = config({ review: { autoApprove: true } });
    const segment = await generateContent(
      deps({ config: on }),
      brief({ n: 1, audience: { segment: 'bereavement' } }),
    );
    const offer = await generateContent(
      deps({ config: on }),
      brief({ n: 1, intent: 'incentive', offer: { type: 'credit', percent: 10 } }),
    );
    expect(segment.variants[0]).toMatchObject({ status: 'pending_review', needsHuman: true });
    expect(offer.variants[0]).toMatchObject({ status: 'pending_review', needsHuman: true });
  });

  it('never auto-approves a variant that fails a check', async () => {
    const on = config({ review: { autoApprove: true } });
    const result = await generateContent(
      deps({ config: on }),
      brief({ n: 1, channel: 'push', intent: 'incentive', offer: { type: 'loyalty', percent: 50 } }),
    );
    expect(result.variants[0]).toMatchObject({ status: 'pending_review', checks: { passed: false } });
  });

  it('counts usage into the monthly budget and caps maxTokens at what is left of the run', async () => {
    const budget = new MemoryBudget();
    const generator = new SpendingGenerator(900);
    const cfg = config({ budget: { tokensPerRun: 2000, tokensPerMonth: 1_000_000 } });
    const result = await generateContent(deps({ config: cfg, generator, budget }), brief({ n: 2 }));
    expect(result.usage).toEqual({ inputTokens: 1600, outputTokens: 200 });
    expect(await budget.used('2026-11')).toBe(1800);
    expect(generator.maxTokens).toEqual([1024, 1024]);
  });

  it('stops a run at its token budget and keeps what it already generated', async () => {
    const generator = new SpendingGenerator(1500);
    const cfg = config({ budget: { tokensPerRun: 2000, tokensPerMonth: 1_000_000 } });
    const result = await generateContent(deps({ config: cfg, generator }), brief({ n: 3 }));
    expect(result.variants).toHaveLength(2);
    expect(generator.maxTokens).toEqual([1024, 500]);
    expect(result.stoppedBy).toBe('run_token_budget_exhausted');
  });

  it('refuses a run with a clear error when the month is used up, without calling the model', async () => {
    const budget = new MemoryBudget();
    await budget.add('2026-11', defaultContentConfig.budget.tokensPerMonth - 100);
    const generator = new SpendingGenerator(500);
    const error = await generateContent(deps({ generator, budget }), brief()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenBudgetExhaustedError);
    expect(error).toMatchObject({ code: 'monthly_token_budget_exhausted' });
    expect(generator.maxTokens).toEqual([]);
  });

  it('refuses more variants than the config allows', async () => {
    await expect(generateContent(deps(), brief({ n: 9 }))).rejects.toMatchObject({
      code: 'too_many_variants',
    });
  });
});
