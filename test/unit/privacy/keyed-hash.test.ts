import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HashKeyUnavailableError,
  keyedHasher,
  keyIdOf,
  parseKeyring,
} from '../../../shared/domain/privacy/keyed-hash.js';

const k1 = 'a'.repeat(40);
const k2 = 'b'.repeat(40);

describe('keyed hashing', () => {
  it('hashes under the current key with its id, never as plain SHA-256', () => {
    const h = keyedHasher(parseKeyring(JSON.stringify({ current: 'k1', k1 }), 'test'));
    const hash = h.hash('email:ada@example.com');
    expect(keyIdOf(hash)).toBe('k1');
    expect(hash).not.toContain(createHash('sha256').update('email:ada@example.com').digest('hex'));
  });

  it('writes under the new key and looks up under both during a rotation', () => {
    const before = keyedHasher(parseKeyring(JSON.stringify({ current: 'k1', k1 }), 'test'));
    const during = keyedHasher(parseKeyring(JSON.stringify({ current: 'k2', k1, k2 }), 'test'));
    expect(keyIdOf(during.hash('x'))).toBe('k2');
    expect(during.candidates('x')).toEqual([during.hash('x'), before.hash('x')]);
  });

  it('treats a bare secret as key k1', () => {
    expect(keyedHasher(parseKeyring(k1, 'test')).hash('x')).toBe(
      keyedHasher(parseKeyring(JSON.stringify({ current: 'k1', k1 }), 'test')).hash('x'),
    );
  });

  it('refuses a missing, short or inconsistent key instead of hashing without one', () => {
    expect(() => parseKeyring(undefined, 'IDENTITY_HMAC_KEY')).toThrow(HashKeyUnavailableError);
    expect(() => parseKeyring('short', 'IDENTITY_HMAC_KEY')).toThrow(/shorter than 32/);
    expect(() => parseKeyring(JSON.stringify({ current: 'k2', k1 }), 'x')).toThrow(/current/);
  });
});
