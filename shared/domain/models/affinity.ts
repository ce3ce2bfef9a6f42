/**
 * Product and category affinity: per profile, Σ weight(event type) · 2^(−age / half-life) over
 * view / add-to-cart / purchase events, plus an item-to-item co-purchase signal from orders.
 */

export type AffinityEventType = 'view' | 'add_to_cart' | 'purchase';

export interface AffinityEvent {
  profileId: string;
  productId: string;
  category: string;
  type: AffinityEventType;
  /** Epoch milliseconds. */
  at: number;
}

export interface AffinityOptions {
  /** Half-life of an event's contribution, in days (default 14). */
  halfLifeDays?: number;
  /** Weight per event type (default view 1, add_to_cart 3, purchase 5). */
  weights?: Partial<Record<AffinityEventType, number>>;
}

export interface ScoredItem {
  id: string;
  score: number;
}

export interface ProfileAffinity {
  products: Map<string, number>;
  categories: Map<string, number>;
}

const DAY = 86_400_000;

/** Decayed product and category scores for every profile, as of `now` (events after `now` are ignored). */
export function computeAffinity(
  events: readonly AffinityEvent[],
  now: number,
  options: AffinityOptions = {},
): Map<string, ProfileAffinity> {
  const halfLife = options.halfLifeDays ?? 14;
  if (!(halfLife > 0)) throw new RangeError('halfLifeDays must be positive');
  const weights = { view: 1, add_to_cart: 3, purchase: 5, ...options.weights };
  const out = new Map<string, ProfileAffinity>();
  for (const e of events) {
    if (e.at > now) continue;
    const contribution = weights[e.type] * 2 ** (-(now - e.at) / (halfLife * DAY));
    let profile = out.get(e.profileId);
    if (!profile) {
      profile = { products: new Map(), categories: new Map() };
      out.set(e.profileId, profile);
    }
    profile.products.set(e.productId, (profile.products.get(e.productId) ?? 0) + contribution);
    profile.categories.set(e.category, (profile.categories.get(e.category) ?? 0) + contribution);
  }
  return out;
}

/** The k highest-scoring entries, ties broken by id for a stable order. */
export function topK(scores: ReadonlyMap<string, number>, k: number): ScoredItem[] {
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((p, q) => q.score - p.score || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0))
    .slice(0, Math.max(0, k));
}

/** Item-to-item co-purchase similarity: cosine of co-occurrence counts, c_ij / √(c_i · c_j). */
export interface CoPurchaseIndex {
  related(productId: string, k: number): ScoredItem[];
  similarity(a: string, b: string): number;
}

/** Builds the co-purchase index from orders (each a list of product ids; duplicates within an order count once). */
export function buildCoPurchaseIndex(orders: readonly (readonly string[])[]): CoPurchaseIndex {
  const itemCount = new Map<string, number>();
  const pairCount = new Map<string, Map<string, number>>();
  for (const order of orders) {
    const items = [...new Set(order)];
    for (const i of items) itemCount.set(i, (itemCount.get(i) ?? 0) + 1);
    for (const i of items) {
      let row = pairCount.get(i);
      if (!row) {
        row = new Map();
        pairCount.set(i, row);
      }
      for (const j of items) if (j !== i) row.set(j, (row.get(j) ?? 0) + 1);
    }
  }
  const similarity = (a: string, b: string): number => {
    const c = pairCount.get(a)?.get(b) ?? 0;
    return c === 0 ? 0 : c / Math.sqrt(itemCount.get(a)! * itemCount.get(b)!);
  };
  return {
    similarity,
    related(productId, k) {
      const row = pairCount.get(productId);
      if (!row) return [];
      return topK(new Map([...row.keys()].map((j) => [j, similarity(productId, j)])), k);
    },
  };
}

/**
 * Top-k product recommendations for one profile: own decayed score plus `coPurchaseWeight` × Σ_i
 * score_i · similarity(i, j), so products bought with what the profile likes surface even unseen.
 */
export function recommendProducts(
  affinity: ProfileAffinity | undefined,
  coPurchase: CoPurchaseIndex,
  k: number,
  options: { coPurchaseWeight?: number; neighbours?: number; exclude?: ReadonlySet<string> } = {},
): ScoredItem[] {
  if (!affinity) return [];
  const weight = options.coPurchaseWeight ?? 0.5;
  const neighbours = options.neighbours ?? 20;
  const scores = new Map(affinity.products);
  for (const [item, score] of affinity.products) {
    for (const { id, score: sim } of coPurchase.related(item, neighbours)) {
      scores.set(id, (scores.get(id) ?? 0) + weight * score * sim);
    }
  }
  for (const id of options.exclude ?? []) scores.delete(id);
  return topK(scores, k);
}
