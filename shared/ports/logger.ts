/**
 * The logger port: what domain and application code log through. Fixed messages plus opaque keys;
 * never personal data (emails, phone numbers, names, message bodies) as a message or a key. In Lambda
 * the Powertools adapter (shared/adapters/aws/powertools-logger.ts) implements it.
 */

/** Keys of a log line: opaque identifiers, counts, codes. */
export type LogKeys = Readonly<Record<string, unknown>>;

/** One structured line per call, at the method's level. */
export interface Logger {
  info(message: string, keys?: LogKeys): void;
  warn(message: string, keys?: LogKeys): void;
  error(message: string, keys?: LogKeys): void;
  /**
   * Correlation keys (a campaign run id, a journey and step) added to every later line of the current
   * invocation; the Lambda adapter drops them when the invocation ends.
   */
  appendKeys(keys: LogKeys): void;
}
