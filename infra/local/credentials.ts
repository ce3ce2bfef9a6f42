/**
 * The local runtime's write key and admin token, kept in `${FELTFIT_DATA_DIR}/credentials.json` (mode
 * 0600) so a restart does not invalidate what the user exported, pasted into an SDK or bookmarked.
 * FELTFIT_WRITE_KEY / FELTFIT_ADMIN_TOKEN still win; they are used, not stored, so unsetting them
 * brings the stored values back.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

export const CREDENTIALS_FILE = 'credentials.json';

const StoredCredentials = z.object({ writeKey: z.string().min(16), adminToken: z.string().min(16) });
export type LocalCredentials = z.infer<typeof StoredCredentials>;

/** A random token for local secrets (admin token, write key) when none is configured. */
export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** The credentials in effect, the file they are kept in, and which values the environment set. */
export interface ResolvedCredentials extends LocalCredentials {
  readonly file: string;
  readonly fromEnv: { readonly writeKey: boolean; readonly adminToken: boolean };
}

/** Raised when the credentials file exists but is not what this module writes. */
export class CredentialsFileError extends Error {
  override readonly name = 'CredentialsFileError';
}

/**
 * Reads `dataDir/credentials.json`, creating it with generated values when it is missing; the
 * environment's values override the stored ones. `generate` is injectable for tests.
 */
export async function loadOrCreateCredentials(
  dataDir: string,
  env: Record<string, string | undefined>,
  generate: (prefix: string) => string = randomToken,
): Promise<ResolvedCredentials> {
  const file = join(dataDir, CREDENTIALS_FILE);
  let stored: LocalCredentials | undefined;
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = StoredCredentials.safeParse(json);
    // Silently replacing a damaged file would change keys the user relies on: say so instead.
    if (!parsed.success)
      throw new CredentialsFileError(`${file} is not {"writeKey":…,"adminToken":…}: fix or delete it`);
    stored = parsed.data;
    // A copy made with a looser umask (or by hand) should not stay readable by others.
    await chmod(file, 0o600);
  } else {
    stored = { writeKey: generate('ff_'), adminToken: generate('admin_') };
    // Written whole under another name first, so a crash never leaves half a file behind.
    await mkdir(dataDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  }
  const writeKey = env.FELTFIT_WRITE_KEY || undefined;
  const adminToken = env.FELTFIT_ADMIN_TOKEN || undefined;
  return {
    writeKey: writeKey ?? stored.writeKey,
    adminToken: adminToken ?? stored.adminToken,
    file,
    fromEnv: { writeKey: writeKey !== undefined, adminToken: adminToken !== undefined },
  };
}
