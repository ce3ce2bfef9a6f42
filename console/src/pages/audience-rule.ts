/** The rule builder's rows as the API's audience rule (`{ all: [...] }` or `{ all: [], any: [...] }`). */
import type { Audience } from '../../../shared/domain/campaigns/audiences.js';

export const SOURCES = ['traits', 'features', 'scores'] as const;
export const OPS = [
  { op: 'eq', label: '=' },
  { op: 'neq', label: '≠' },
  { op: 'gt', label: '>' },
  { op: 'gte', label: '≥' },
  { op: 'lt', label: '<' },
  { op: 'lte', label: '≤' },
  { op: 'in', label: 'is one of' },
  { op: 'exists', label: 'is set' },
  { op: 'notExists', label: 'is not set' },
] as const;

export interface ConditionDraft {
  readonly key: string;
  readonly source: (typeof SOURCES)[number];
  readonly path: string;
  readonly op: (typeof OPS)[number]['op'];
  readonly value: string;
}

let seq = 0;
export const emptyCondition = (): ConditionDraft => ({
  key: `c${++seq}`,
  source: 'traits',
  path: '',
  op: 'eq',
  value: '',
});

/** What the value box says, as the rule's value: numbers and true/false as such, else text. */
function ruleValue(text: string): string | number | boolean {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  return t;
}

/** Rows without a path are still being written: they are left out. */
export function toAudience(match: 'all' | 'any', rows: readonly ConditionDraft[]): Audience {
  const conditions = rows
    .filter((r) => r.path.trim() !== '')
    .map((r) => ({
      source: r.source,
      path: r.path.trim(),
      op: r.op,
      ...(r.op === 'exists' || r.op === 'notExists'
        ? {}
        : { value: r.op === 'in' ? r.value.split(',').map(ruleValue) : ruleValue(r.value) }),
    })) as Audience['all'];
  return match === 'all' ? { all: conditions } : { all: [], any: conditions };
}

/** A rule in words: `features.ordersCount ≥ 2 and scores.churnRisk < 0.3`. */
export function describeAudience(a: Audience): string {
  const text = (c: Audience['all'][number]) =>
    `${c.source}.${c.path} ${OPS.find((o) => o.op === c.op)?.label ?? c.op}${
      c.value === undefined ? '' : ` ${Array.isArray(c.value) ? c.value.join(', ') : String(c.value)}`
    }`;
  const all = a.all.map(text).join(' and ');
  const any = a.any?.length ? `(${a.any.map(text).join(' or ')})` : '';
  return [all, any].filter(Boolean).join(' and ') || 'everyone';
}
