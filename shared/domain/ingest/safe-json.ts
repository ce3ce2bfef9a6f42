import type { Issue } from '../errors.js';
import { LIMITS } from './limits.js';

/** Keys that could reach an object's prototype chain when copied with plain assignment. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses JSON text into a result value instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    // JSON.parse defines keys as own data properties, so `__proto__` here cannot pollute;
    // the walk below rejects such keys before any code copies the object.
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : 'invalid JSON' };
  }
}

/** True when `value` is a non-null, non-array object. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Finds the first `__proto__` / `constructor` / `prototype` key, or nesting deeper than the limit,
 * anywhere in a parsed JSON value. Iterative, so hostile nesting cannot overflow the stack.
 * `skip` lets the caller exclude a subtree (a batch envelope skips its messages, checked one by one).
 */
export function findUnsafeKey(
  value: unknown,
  options: { skip?: (path: readonly (string | number)[]) => boolean; maxDepth?: number } = {},
): Issue | undefined {
  const maxDepth = options.maxDepth ?? LIMITS.jsonDepth;
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (path.length >= maxDepth) {
      return { path, code: 'too_deep', message: `JSON nesting deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        const childPath = [...path, i];
        if (!options.skip?.(childPath)) stack.push({ value: child, path: childPath });
      });
      continue;
    }
    for (const key of Object.keys(node)) {
      const childPath = [...path, key];
      if (FORBIDDEN_KEYS.has(key)) {
        return { path: childPath, code: 'forbidden_key', message: `the key '${key}' is not allowed` };
      }
      if (!options.skip?.(childPath))
        stack.push({ value: (node as Record<string, unknown>)[key], path: childPath });
    }
  }
  return undefined;
}

/** Deep-merges plain objects: `over` wins at every leaf; neither input is modified. */
export function mergeUnder(
  under: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) {
    if (FORBIDDEN_KEYS.has(key)) continue; // inputs are pre-checked; this keeps the function safe alone
    const base = out[key];
    out[key] = isPlainRecord(base) && isPlainRecord(value) ? mergeUnder(base, value) : value;
  }
  return out;
}

/** UTF-8 prefix of `text` no longer than `maxBytes`, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
