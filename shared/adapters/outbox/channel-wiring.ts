/**
 * Chooses the provider adapters from the environment so the same handler code runs locally and in AWS:
 *   OUTBOX_DIR set                        → the outbox for email, SMS and push
 *   otherwise email                       → SES v2 (SES_MODE=raw for Raw MIME content)
 *             SMS                         → End User Messaging when `sms.originationIdentity` is configured,
 *                                           else SNS
 *             push                        → SNS mobile push
 * and loads the signing secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChannelsConfig } from '../../config/channels.js';
import { MIN_SECRET_LENGTH } from '../../domain/channels/tokens.js';
import type { EmailSender, PushSender, SmsSender } from '../../ports/channels.js';
import { SnsPushSender } from '../push/sns-push.js';
import { SesEmailSender } from '../ses/email-sender.js';
import { EumSmsSender, SnsSmsSender } from '../sms/sms-senders.js';
import { withInjectedFaults } from './faulty-senders.js';
import { OutboxSender } from './outbox.js';

/** The provider adapters for this environment. */
export function providerSenders(
  env: Record<string, string | undefined>,
  config: ChannelsConfig,
): { email: EmailSender; sms: SmsSender; push: PushSender; kind: 'outbox' | 'aws' } {
  if (env.OUTBOX_DIR) {
    // Locally the provider faults of FELTFIT_SDK_FAULTS (ses, sns) apply to the outbox.
    return { ...withInjectedFaults(new OutboxSender(env.OUTBOX_DIR), env), kind: 'outbox' };
  }
  const email = new SesEmailSender({
    ...(config.email.configurationSet ? { configurationSet: config.email.configurationSet } : {}),
    mode: env.SES_MODE === 'raw' ? 'raw' : 'simple',
  });
  const sms = config.sms.originationIdentity
    ? new EumSmsSender({
        originationIdentity: config.sms.originationIdentity,
        ...(config.sms.configurationSet ? { configurationSet: config.sms.configurationSet } : {}),
      })
    : new SnsSmsSender({
        ...(config.sms.senderId ? { senderId: config.sms.senderId } : {}),
        ...(config.sms.originationNumber ? { originationNumber: config.sms.originationNumber } : {}),
      });
  const push = new SnsPushSender({
    platformApplicationArns: config.push.platformApplicationArns,
    apnsSandbox: config.push.apnsSandbox,
  });
  return { email, sms, push, kind: 'aws' };
}

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
  name: 'UNSUBSCRIBE_SECRET' | 'INBOX_SECRET' | 'IDENTITY_HMAC_KEY',
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
  if (arn) {
    const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
    try {
      const res = await fetchImpl(
        `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(arn)}`,
        {
          headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' },
        },
      );
      if (!res.ok) throw new Error(`status ${res.status}`);
      const body = (await res.json()) as { SecretString?: string };
      return check(body.SecretString ?? '', `${name}_ARN`);
    } catch (cause) {
      if (cause instanceof SecretUnavailableError) throw cause;
      throw new SecretUnavailableError(`cannot read ${name}_ARN through the secrets extension`, { cause });
    }
  }
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
