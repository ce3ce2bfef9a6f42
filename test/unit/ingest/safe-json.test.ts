import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findUnsafeKey,
  mergeUnder,
  parseJson,
  truncateUtf8,
} from '../../../shared/domain/ingest/safe-json.js';
import { parseIsoMillis } from '../../../shared/domain/ingest/schemas.js';

describe('findUnsafeKey', () => {
  it('finds __proto__ that JSON.parse kept as an own property', () => {
    const parsed = parseJson('{"a":{"b":[{"__proto__":{"x":1}}]}}');
    expect(parsed.ok && findUnsafeKey(parsed.value)).toMatchObject({
      path: ['a', 'b', 0, '__proto__'],
      code: 'forbidden_key',
    });
  });

  it('reports nesting deeper than the limit without overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const parsed = parseJson(deep);
    expect(parsed.ok && findUnsafeKey(parsed.value)?.code).toBe('too_deep');
  });

  it('accepts ordinary objects', () => {
    expect(findUnsafeKey({ a: [1, { b: 'constructor' }], c: null })).toBeUndefined();
  });
});

describe('mergeUnder', () => {
  it('keeps the over-value at every leaf and does not modify its inputs', () => {
    const under = { a: { b: 1, c: 2 }, d: 1 };
    const over = { a: { b: 9 } };
    expect(mergeUnder(under, over)).toEqual({ a: { b: 9, c: 2 }, d: 1 });
    expect(under).toEqual({ a: { b: 1, c: 2 }, d: 1 });
  });
});

describe('truncateUtf8', () => {
  it('never exceeds the byte budget nor splits a character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 64 }), (text, max) => {
        const cut = truncateUtf8(text, max);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(Math.max(max, 0));
        expect(text.startsWith(cut)).toBe(true);
      }),
    );
  });
});

describe('parseIsoMillis', () => {
  it.each([
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T10:00:00Z', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:00.123456Z', Date.UTC(2024, 4, 1, 10, 0, 0, 123)],
    ['2024-05-01T10:00:00+0200', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T10:00:00+02', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T10:00:00', Date.UTC(2024, 4, 1, 10)],
  ])('reads %s', (text, ms) => {
    expect(parseIsoMillis(text)).toBe(ms);
  });

  it.each(['yesterday', '1714557600', '2024-13-45T99:00:00Z', ''])('refuses %j', (text) => {
    expect(parseIsoMillis(text)).toBeNaN();
  });
});
