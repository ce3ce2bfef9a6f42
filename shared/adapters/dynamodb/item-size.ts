/**
 * DynamoDB item size and write units, per
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 * Works on DocumentClient-style native values (string, number, boolean, null, Uint8Array, arrays,
 * plain objects, Sets).
 */

function numberSize(n: number | bigint): number {
  // ~1 byte per two significant digits, plus 1; leading and trailing zeros do not count.
  const digits = String(n)
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** Bytes a native attribute value takes (without its name). */
export function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let total = 0;
    for (const v of value) total += valueSize(v);
    return total;
  }
  if (Array.isArray(value)) {
    // 3 bytes for the list, 1 per element, plus the elements.
    return 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
  }
  if (typeof value === 'object') {
    let total = 3;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      total += 1 + Buffer.byteLength(k, 'utf8') + valueSize(v);
    }
    return total;
  }
  return 0;
}

/** Bytes an item takes: UTF-8 attribute names plus values. */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return total;
}

/** Write capacity units one standard (non-transactional) write of the item costs: 1 per started KB. */
export function writeUnits(item: Record<string, unknown>): number {
  return Math.max(1, Math.ceil(itemSizeBytes(item) / 1024));
}
