import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPlaybook } from '../../../shared/config/content.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { OfflineGenerator } from '../../../shared/domain/content/offline.js';
import { Brief, INTENTS } from '../../../shared/domain/content/schemas.js';
import { config, fixedNow, MemoryBudget, MemoryContentStore, newId } from './support.js';

const base = {
  journeyStep: 'cart-recovery/reassureShipping',
  channel: 'email',
  audience: { segment: 'all' },
};

describe('Brief intent', () => {
  it('accepts the content spelling of every intent as it is', () => {
    for (const intent of INTENTS) expect(Brief.parse({ ...base, intent }).intent).toBe(intent);
  });

  it('accepts the journeys’ kebab-case spelling of every intent and stores the content spelling', () => {
    for (const intent of INTENTS) {
      expect(Brief.parse({ ...base, intent: intent.replaceAll('_', '-') }).intent).toBe(intent);
    }
    expect(Brief.parse({ ...base, intent: 'service-follow-up' }).intent).toBe('service_follow_up');
  });

  it('refuses an intent that is neither spelling of a content intent, naming the field', () => {
    for (const intent of ['cart-reminder', 'shipping reassurance', '', 42]) {
      const result = Brief.safeParse({ ...base, intent });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['intent']);
    }
  });
});

describe('the example brief (examples/brief.json)', () => {
  const example: unknown = JSON.parse(
    readFileSync(new URL('../../../examples/brief.json', import.meta.url), 'utf8'),
  );

  it('is a valid brief naming a catalogue step in the journeys’ spelling', () => {
    const parsed = Brief.parse(example);
    expect(parsed).toMatchObject({
      journeyStep: 'cart-recovery/reassureShipping',
      intent: 'shipping_reassurance',
    });
  });

  it('generates variants offline that pass every check', async () => {
    const store = new MemoryContentStore();
    const result = await generateContent(
      {
        config: config(),
        generator: new OfflineGenerator({ playbook: defaultPlaybook }),
        budget: new MemoryBudget(),
        store,
        now: fixedNow,
        newId,
      },
      Brief.parse(example),
    );
    expect(result.variants).toHaveLength(2);
    for (const v of result.variants) {
      expect(v.checks).toEqual({ passed: true, failures: [] });
      expect(store.variants.get(v.id)).toMatchObject({
        status: 'pending_review',
        intent: 'shipping_reassurance',
        channel: 'email',
      });
    }
  });
});
