import { InvalidRequestError } from '../../domain/errors.js';

/** Encodes a DynamoDB LastEvaluatedKey (plus context) as an opaque URL-safe cursor. */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor produced by encodeCursor; every field must be a string and `check` must accept it,
 * otherwise the caller gets InvalidRequestError('invalid_cursor').
 */
export function decodeCursor(
  cursor: string,
  check: (value: Record<string, string>) => boolean,
): Record<string, string> {
  const invalid = () => new InvalidRequestError('invalid_cursor', 'the cursor is not valid for this query');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new InvalidRequestError(
      'invalid_cursor',
      'the cursor is not valid for this query',
      {},
      { cause: err },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  const entries = Object.entries(value);
  if (
    entries.some(([k, v]) => typeof v !== 'string' || ['__proto__', 'constructor', 'prototype'].includes(k))
  ) {
    throw invalid();
  }
  const record = Object.fromEntries(entries) as Record<string, string>;
  if (!check(record)) throw invalid();
  return record;
}
