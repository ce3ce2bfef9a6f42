/**
 * Minimal structured logger: one JSON line per entry, fixed messages plus opaque keys.
 * Never pass personal data (emails, phones, user ids, message bodies) as keys.
 */
export interface Logger {
  info(message: string, keys?: Record<string, unknown>): void;
  warn(message: string, keys?: Record<string, unknown>): void;
  error(message: string, keys?: Record<string, unknown>): void;
}

/** Logger writing JSON lines to stdout (CloudWatch picks them up in Lambda). */
export function jsonLogger(
  service = process.env.POWERTOOLS_SERVICE_NAME ?? 'feltfit',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const log =
    (level: string) =>
    (message: string, keys: Record<string, unknown> = {}) =>
      write(JSON.stringify({ level, message, service, timestamp: new Date().toISOString(), ...keys }));
  return { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
