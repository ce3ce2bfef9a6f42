/** Loggers for tests: fakes of the Logger port (shared/ports/logger.ts). */
import type { Logger, LogKeys } from '../../shared/ports/logger.js';

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, appendKeys() {} };

/**
 * A logger that keeps every line as the JSON the Lambda adapter prints (level, message, the appended
 * keys, the line's keys), so a test can search them as it would a log file.
 */
export function recordingLogger(): { readonly logger: Logger; readonly lines: string[] } {
  const lines: string[] = [];
  let appended: LogKeys = {};
  const log = (level: string) => (message: string, keys?: LogKeys) =>
    lines.push(JSON.stringify({ level, message, ...appended, ...keys }));
  const logger: Logger = {
    info: log('INFO'),
    warn: log('WARN'),
    error: log('ERROR'),
    appendKeys: (keys) => {
      appended = { ...appended, ...keys };
    },
  };
  return { logger, lines };
}
