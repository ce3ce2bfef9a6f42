import { describe, expect, it } from 'vitest';
import {
  type AffinityEvent,
  buildCoPurchaseIndex,
  computeAffinity,
  recommendProducts,
  topK,
} from '../../../shared/domain/models/affinity.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1);
const event = (
  productId: string,
  category: string,
  type: AffinityEvent['type'],
  daysAgo: number,
): AffinityEvent => ({
  profileId: 'p1',
  productId,
  category,
  type,
  at: NOW - daysAgo * DAY,
});

describe('product affinity', () => {
  it('halves an event’s weight after one half-life', () => {
    const scores = computeAffinity([event('a', 'shoes', 'view', 0), event('b', 'shoes', 'view', 14)], NOW, {
      halfLifeDays: 14,
    }).get('p1')!;
    expect(scores.products.get('a')).toBeCloseTo(1, 12);
    expect(scores.products.get('b')).toBeCloseTo(0.5, 12);
    expect(scores.categories.get('shoes')).toBeCloseTo(1.5, 12);
  });

  it('ranks a recent purchase above many old views', () => {
    const events = [
      event('old', 'books', 'view', 60),
      event('old', 'books', 'view', 61),
      event('old', 'books', 'view', 62),
      event('new', 'music', 'purchase', 1),
    ];
    const profile = computeAffinity(events, NOW).get('p1')!;
    expect(topK(profile.products, 1)[0]!.id).toBe('new');
    expect(topK(profile.categories, 2).map((c) => c.id)).toEqual(['music', 'books']);
  });

  it('ignores events after the scoring time', () => {
    const profile = computeAffinity([event('a', 'x', 'purchase', -1), event('b', 'x', 'view', 1)], NOW).get(
      'p1',
    )!;
    expect(profile.products.has('a')).toBe(false);
  });
});

describe('co-purchase', () => {
  const index = buildCoPurchaseIndex([
    ['tent', 'stove'],
    ['tent', 'stove', 'mat'],
    ['tent', 'lamp'],
    ['book'],
    ['stove', 'stove', 'gas'],
  ]);

  it('scores items bought together by cosine similarity of co-occurrence', () => {
    // tent in 3 orders, stove in 3, together in 2 → 2 / √(3·3).
    expect(index.similarity('tent', 'stove')).toBeCloseTo(2 / 3, 12);
    expect(index.similarity('tent', 'book')).toBe(0);
    expect(index.related('tent', 2).map((r) => r.id)).toEqual(['stove', 'lamp']);
  });

  it('recommends a never-seen product bought together with what the profile likes', () => {
    const profile = computeAffinity([event('tent', 'camping', 'view', 0)], NOW).get('p1')!;
    const recs = recommendProducts(profile, index, 3, { exclude: new Set(['tent']) });
    expect(recs[0]!.id).toBe('stove');
    expect(recs.map((r) => r.id)).not.toContain('book');
  });
});
