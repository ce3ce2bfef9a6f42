/**
 * Chooses the provider adapters from the environment so the same handler code runs locally and in AWS:
 *   OUTBOX_DIR set                        → the outbox for email, SMS and push
 *   otherwise email                       → SES v2 (SES_MODE=raw for Raw MIME content)
 *             SMS                         → End User Messaging when `sms.originationIdentity` is configured,
 *                                           else SNS
 *             push                        → SNS mobile push
 * and re-exports the loading of signing secrets (../secrets.ts).
 */
import type { ChannelsConfig } from '../../config/channels.js';
import type { EmailSender, PushSender, SmsSender } from '../../ports/channels.js';
import { SnsPushSender } from '../push/sns-push.js';
import { SesEmailSender } from '../ses/email-sender.js';
import { EumSmsSender, SnsSmsSender } from '../sms/sms-senders.js';
import { withInjectedFaults } from './faulty-senders.js';
import { OutboxSender } from './outbox.js';

export { loadSecret, SecretUnavailableError } from '../secrets.js';

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
