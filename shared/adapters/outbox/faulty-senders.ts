/**
 * The local outbox under FELTFIT_SDK_FAULTS: locally email, SMS and push go to files instead of SES
 * and SNS, so the SDK middleware never sees those calls. This wrapper gives the outbox the same
 * faults the middleware gives the AWS adapters (`ses` for email, `sns` for SMS and push), answered as
 * the adapters answer them (shared/adapters/ses/provider-error.ts):
 *   throttle → not written, retryable `throttled`;  error → not written, retryable `provider_unavailable`;
 *   timeout  → written (delivered), then `provider_timeout` — the send path cannot know it went out.
 */
import type {
  EmailMessage,
  EmailSender,
  ProviderResult,
  PushMessage,
  PushSender,
  SmsMessage,
  SmsSender,
} from '../../ports/channels.js';
import { type SdkFault, sdkFaultFromEnv } from '../aws/fault-middleware.js';

type Send<M> = (message: M) => Promise<ProviderResult>;

function faulty<M>(send: Send<M>, injected: { fault: SdkFault; random: () => number } | undefined): Send<M> {
  if (!injected) return send;
  const { fault, random } = injected;
  return async (message) => {
    if (random() >= fault.rate) return send(message);
    if (fault.fault === 'throttle') return { ok: false, retryable: true, reason: 'throttled' };
    if (fault.fault === 'error') return { ok: false, retryable: true, reason: 'provider_unavailable' };
    await send(message);
    return { ok: false, retryable: true, reason: 'provider_timeout' };
  };
}

/** The outbox's senders with the ses/sns faults of FELTFIT_SDK_FAULTS; the outbox itself when none are set. */
export function withInjectedFaults<S extends EmailSender & SmsSender & PushSender>(
  sender: S,
  env: NodeJS.ProcessEnv = process.env,
): { email: EmailSender; sms: SmsSender; push: PushSender } {
  const ses = sdkFaultFromEnv('ses', env);
  const sns = sdkFaultFromEnv('sns', env);
  if (!ses && !sns) return { email: sender, sms: sender, push: sender };
  return {
    email: { sendEmail: faulty<EmailMessage>((m) => sender.sendEmail(m), ses) },
    sms: { sendSms: faulty<SmsMessage>((m) => sender.sendSms(m), sns) },
    push: { sendPush: faulty<PushMessage>((m) => sender.sendPush(m), sns) },
  };
}
