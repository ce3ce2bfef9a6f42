/** Errors a storage adapter raises that callers answer differently from a plain failure. */
import { DependencyUnavailableError } from './errors.js';

/**
 * The store refused writes for lack of capacity (throttling, or items left unprocessed after every
 * retry). Some writes of the call may have landed; repeating the call is safe when writes are idempotent.
 */
export class StoreThrottledError extends DependencyUnavailableError {}
