/**
 * What `npm start` checks before the minute of synth and DynamoDB Local: that the port is free and that
 * configured secrets are ones the runtime would accept. Each failure is a one-line message.
 */
import { createServer } from 'node:net';
import { isWellFormedWriteKey, WRITE_KEY_RULE } from '../../shared/domain/sources.js';

/** A startup setting that would not work; its message is the whole story. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
}

/** Resolves when `port` can be listened on; PreflightError when something else holds it. */
export async function checkPortFree(port: number, portVar = 'PORT'): Promise<void> {
  if (port === 0) return;
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new PreflightError(`${portVar} must be a port number (1–65535), not ${port}`);
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PreflightError(`port ${port} is in use — set ${portVar} (or stop the other process)`)
          : new PreflightError(`cannot listen on port ${port}: ${err.code ?? err.message}`, { cause: err }),
      ),
    );
    server.listen(port, () => server.close(() => resolve()));
  });
}

/**
 * The secrets the environment sets, checked with ingest's write-key rule: a key that breaks it would
 * start fine and then have every event refused `invalid_write_key`. The admin token travels in the
 * same places (a header, the console's `?token=` link, a cookie), so it follows the same rule.
 */
export function checkSecrets(env: Record<string, string | undefined>): void {
  for (const name of ['FELTFIT_WRITE_KEY', 'FELTFIT_ADMIN_TOKEN']) {
    const value = env[name];
    if (!value) continue;
    if (!isWellFormedWriteKey(value))
      throw new PreflightError(
        `${name} must be ${WRITE_KEY_RULE} (it has ${value.length}${/^[A-Za-z0-9_.-]*$/.test(value) ? '' : ', with other characters'}); unset it to use a generated one`,
      );
  }
}
