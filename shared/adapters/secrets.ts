/**
 * Signing and hashing secrets, read once at cold start. Apart from the channel wiring so a function
 * that only needs a secret (ingest's hash key) does not load the provider senders and the channels
 * configuration.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_SECRET_LENGTH } from '../domain/channels/secret-length.js';

/** Raised when a signing secret cannot be found or is too short. */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
}

/**
 * A signing secret: `<NAME>` in the environment (local, tests); else `<NAME>_ARN` read through the AWS
 * Parameters and Secrets Lambda Extension (no SDK client needed); else, locally, a key generated once into
 * `$FELTFIT_DATA_DIR/secrets/<name>.key`.
 */
export async function loadSecret(
  name: 'UNSUBSCRIBE_SECRET' | 'INBOX_SECRET' | 'IDENTITY_HMAC_KEY' | 'AUDIENCE_HOLDOUT_KEY',
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const check = (value: string, where: string) => {
    if (value.length < MIN_SECRET_LENGTH)
      throw new SecretUnavailableError(`${where} is shorter than ${MIN_SECRET_LENGTH} characters`);
    return value;
  };
  const direct = env[name];
  if (direct) return check(direct, name);
  const arn = env[`${name}_ARN`];
  if (arn) return check(await readSecretThroughExtension(arn, `${name}_ARN`, env, fetchImpl), `${name}_ARN`);
  if (env.FELTFIT_DATA_DIR) {
    const dir = join(env.FELTFIT_DATA_DIR, 'secrets');
    const file = join(dir, `${name.toLowerCase()}.key`);
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
    return check((await readFile(file, 'utf8')).trim(), file);
  }
  throw new SecretUnavailableError(`invalid environment: set ${name} or ${name}_ARN`);
}

/**
 * The SecretString of a Secrets Manager secret, read through the AWS Parameters and Secrets Lambda
 * Extension on localhost (locally, LocalSecrets serves the same interface); `variable` names the
 * setting in errors.
 */
export async function readSecretThroughExtension(
  arn: string,
  variable: string,
  env: Record<string, string | undefined>,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  try {
    const res = await fetchImpl(
      `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(arn)}`,
      { headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' } },
    );
    if (!res.ok) throw new Error(`status ${res.status}`);
    const body = (await res.json()) as { SecretString?: string };
    return body.SecretString ?? '';
  } catch (cause) {
    throw new SecretUnavailableError(`cannot read ${variable} through the secrets extension`, { cause });
  }
}
