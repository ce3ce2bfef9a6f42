/**
 * EventBridge event-pattern matching, as used by rules and by Lambda event-source filter criteria:
 * literal any-of arrays, `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `exists`,
 * `numeric`, `wildcard`, and `$or`.
 */
type Pattern = Record<string, unknown>;

function matchesNumeric(value: unknown, spec: unknown[]): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i] as string;
    const n = spec[i + 1] as number;
    const ok =
      op === '<'
        ? value < n
        : op === '<='
          ? value <= n
          : op === '>'
            ? value > n
            : op === '>='
              ? value >= n
              : op === '='
                ? value === n
                : false;
    if (!ok) return false;
  }
  return true;
}

function wildcardToRegExp(w: string): RegExp {
  return new RegExp(
    `^${w
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** Does one pattern value (an element of a pattern array) match one event value? */
function matchesOne(value: unknown, cond: unknown, present: boolean): boolean {
  if (cond === null || typeof cond !== 'object') return present && value === cond;
  const c = cond as Record<string, unknown>;
  if ('exists' in c) return c.exists ? present : !present;
  if (!present) return false;
  if ('prefix' in c) {
    const p = c.prefix;
    if (typeof p === 'object' && p && 'equals-ignore-case' in p) {
      return (
        typeof value === 'string' &&
        value
          .toLowerCase()
          .startsWith(String((p as Record<string, unknown>)['equals-ignore-case']).toLowerCase())
      );
    }
    return typeof value === 'string' && value.startsWith(String(p));
  }
  if ('suffix' in c) return typeof value === 'string' && value.endsWith(String(c.suffix));
  if ('equals-ignore-case' in c)
    return typeof value === 'string' && value.toLowerCase() === String(c['equals-ignore-case']).toLowerCase();
  if ('wildcard' in c) return typeof value === 'string' && wildcardToRegExp(String(c.wildcard)).test(value);
  if ('numeric' in c) return matchesNumeric(value, c.numeric as unknown[]);
  if ('anything-but' in c) {
    const ab = c['anything-but'];
    if (Array.isArray(ab)) return !ab.includes(value);
    if (ab && typeof ab === 'object') {
      const o = ab as Record<string, unknown>;
      if ('prefix' in o) return !(typeof value === 'string' && value.startsWith(String(o.prefix)));
      if ('suffix' in o) return !(typeof value === 'string' && value.endsWith(String(o.suffix)));
    }
    return value !== ab;
  }
  return false;
}

function matchesField(value: unknown, spec: unknown, present: boolean): boolean {
  if (Array.isArray(spec)) {
    // An array event value matches when any of its elements matches.
    if (Array.isArray(value)) return value.some((v) => spec.some((c) => matchesOne(v, c, true)));
    return spec.some((c) => matchesOne(value, c, present));
  }
  if (spec && typeof spec === 'object') {
    if (Array.isArray(value)) {
      // EventBridge flattens arrays of objects: each field of the pattern is matched against that
      // field's values across the elements (so two fields may be satisfied by different elements).
      const objects = value.filter(
        (v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v),
      );
      return (
        objects.length > 0 &&
        Object.entries(spec as Pattern).every(([key, sub]) => {
          if (key === '$or') return objects.some((o) => matchesPattern(o, { $or: sub } as Pattern));
          const values = objects.filter((o) => Object.hasOwn(o, key)).map((o) => o[key]);
          return matchesField(values.flat(), sub, values.length > 0);
        })
      );
    }
    return (
      present &&
      value !== null &&
      typeof value === 'object' &&
      matchesPattern(value as Record<string, unknown>, spec as Pattern)
    );
  }
  return false;
}

/** True when the event matches the pattern. */
export function matchesPattern(event: Record<string, unknown>, pattern: Pattern): boolean {
  for (const [key, spec] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(spec as Pattern[]).some((p) => matchesPattern(event, p))) return false;
      continue;
    }
    if (!matchesField(event[key], spec, Object.hasOwn(event, key))) return false;
  }
  return true;
}
