/**
 * The local outbox under FELTFIT_SDK_FAULTS: locally email, SMS and push go to files instead of SES
 * and SNS, so the SDK middleware never sees those calls. This wrapper gives the outbox the same
 * faults the middleware gives the AWS adapters (`ses` for email, `sns` for SMS and push), answered as
 * the adapters answer them (shared/adapters/ses/provider-error.ts):
 *   throttle → not written, retryable `throttled`;  error → not written, retryable `provider_unavailable`;
 *   timeout  → written (delivered), then `provider_timeout` — the send path cannot know it went out.
 * Each injected fault is noted in `$OUTBOX_DIR/injected-faults.jsonl` (channel, fault, message id —
 * no address), so the fault suite can tell a timed-out copy that was re-sent from a duplicate.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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
type Note = (channel: string, fault: string, messageId: string) => Promise<void>;

/** The file the injected faults are noted in, in the outbox folder (not an outbox entry: no extension it lists). */
export const INJECTED_FAULTS_FILE = 'injected-faults.jsonl';

function faulty<M extends { messageId: string }>(
  channel: string,
  send: Send<M>,
  injected: { fault: SdkFault; random: () => number } | undefined,
  note: Note,
): Send<M> {
  if (!injected) return send;
  const { fault, random } = injected;
  return async (message) => {
    if (random() >= fault.rate) return send(message);
    await note(channel, fault.fault, message.messageId);
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
  const dir = env.OUTBOX_DIR;
  const note: Note = async (channel, fault, messageId) => {
    if (!dir) return;
    await mkdir(dir, { recursive: true });
    await appendFile(
      join(dir, INJECTED_FAULTS_FILE),
      `${JSON.stringify({ at: new Date().toISOString(), channel, fault, messageId })}\n`,
    );
  };
  return {
    email: { sendEmail: faulty<EmailMessage>('email', (m) => sender.sendEmail(m), ses, note) },
    sms: { sendSms: faulty<SmsMessage>('sms', (m) => sender.sendSms(m), sns, note) },
    push: { sendPush: faulty<PushMessage>('push', (m) => sender.sendPush(m), sns, note) },
  };
}
