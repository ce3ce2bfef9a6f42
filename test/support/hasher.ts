/** A fixed identity hash keyring for tests (the functions read theirs from Secrets Manager). */
import { keyedHasher, parseKeyring } from '../../shared/domain/privacy/keyed-hash.js';

/** Key `k1` only. */
export const testHasher = keyedHasher(parseKeyring('test-identity-hash-key-0123456789abcdef', 'test key'));
