/** A fixed identity hash keyring for tests (the functions read theirs from Secrets Manager). */
import { keyedHasher, parseKeyring } from '../../shared/domain/privacy/keyed-hash.js';

/** The secret's value (a bare key: `k1`). */
export const TEST_HASH_KEY = 'test-identity-hash-key-0123456789abcdef';

/** Key `k1` only. */
export const testHasher = keyedHasher(parseKeyring(TEST_HASH_KEY, 'test key'));
