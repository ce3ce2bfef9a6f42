/**
 * Building blocks of the profile semilattice. Every join here is commutative, associative and
 * idempotent, so a profile built from a set of events does not depend on their order or repetition.
 */

/** When an event happened: event time (epoch ms), then messageId as a deterministic tie-break. */
export interface Stamp {
  readonly t: number;
  readonly m: string;
}

/** Last-writer-wins register: the value written by the greatest stamp. */
export interface Reg<T> extends Stamp {
  readonly v: T;
}

/** JSON with object keys sorted, so equal values serialise equally. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Orders stamps by time, then messageId. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  return a.m < b.m ? -1 : a.m > b.m ? 1 : 0;
}

/** The greater of two optional stamps. */
export function maxStamp(a: Stamp | undefined, b: Stamp | undefined): Stamp | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareStamps(a, b) >= 0 ? { t: a.t, m: a.m } : { t: b.t, m: b.m };
}

/** Join of two registers: the later write; equal stamps (same message) fall back to the value order. */
export function joinReg<T>(a: Reg<T> | undefined, b: Reg<T> | undefined): Reg<T> | undefined {
  if (!a) return b;
  if (!b) return a;
  const c = compareStamps(a, b);
  if (c !== 0) return c > 0 ? a : b;
  return canonical(a.v) >= canonical(b.v) ? a : b;
}

/** Join of two optional numbers under max. */
export function joinMax(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** Join of two optional numbers under min. */
export function joinMin(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Key-wise join of two maps. */
export function joinMap<V>(
  a: Readonly<Record<string, V>>,
  b: Readonly<Record<string, V>>,
  join: (x: V | undefined, y: V | undefined) => V | undefined,
): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const v = join(a[key], b[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Sorted union of two string sets. */
export function joinSet(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/**
 * Keeps the `limit` entries of greatest rank (ties broken by key). Truncating after a join keeps the
 * join a semilattice when an entry's value is determined by its rank (a max timestamp, or a register
 * ranked by its stamp): an entry in the top N of a union is in the top N of the side that gave it its
 * rank.
 */
export function topN<V>(
  map: Readonly<Record<string, V>>,
  limit: number,
  rank: (v: V) => Stamp,
): Record<string, V> {
  const keys = Object.keys(map);
  if (keys.length <= limit) return { ...map };
  const sorted = keys.sort((x, y) => compareStamps(rank(map[y]!), rank(map[x]!)) || (x < y ? -1 : 1));
  return Object.fromEntries(sorted.slice(0, limit).map((k) => [k, map[k]!]));
}
