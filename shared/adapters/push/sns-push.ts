/**
 * PushSender over SNS mobile push: CreatePlatformEndpoint (idempotent for the same token) then Publish to
 * the endpoint with a per-platform JSON message. End User Messaging push (Pinpoint `SendMessages`) is the
 * documented future option.
 */
import { CreatePlatformEndpointCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ProviderResult, PushMessage, PushSender } from '../../ports/channels.js';
import { awsClient } from '../aws/clients.js';
import { providerFailure } from '../ses/provider-error.js';

/** The `MessageStructure: json` payload for APNS (or APNS_SANDBOX) and FCM (GCM key). */
export function pushPayload(message: PushMessage, apnsSandbox: boolean): string {
  const apns = JSON.stringify({
    aps: { alert: { title: message.title, body: message.body } },
    ...message.data,
  });
  const gcm = JSON.stringify({
    notification: { title: message.title, body: message.body },
    data: message.data,
  });
  return JSON.stringify({ default: message.body, [apnsSandbox ? 'APNS_SANDBOX' : 'APNS']: apns, GCM: gcm });
}

/** SNS mobile push implementation of PushSender: succeeds when any of the person's devices accepted it. */
export class SnsPushSender implements PushSender {
  private readonly endpoints = new Map<string, string>();

  constructor(
    private readonly options: {
      readonly client?: SNSClient;
      readonly platformApplicationArns: { ios?: string; android?: string };
      readonly apnsSandbox?: boolean;
    },
    private readonly client = options.client ?? awsClient(SNSClient, 'sns'),
  ) {}

  private async endpointArn(token: string, applicationArn: string): Promise<string> {
    const cached = this.endpoints.get(`${applicationArn}|${token}`);
    if (cached) return cached;
    const out = await this.client.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationArn, Token: token }),
    );
    const arn = out.EndpointArn ?? '';
    this.endpoints.set(`${applicationArn}|${token}`, arn);
    return arn;
  }

  async sendPush(message: PushMessage): Promise<ProviderResult> {
    const payload = pushPayload(message, this.options.apnsSandbox ?? false);
    let last: ProviderResult = { ok: false, retryable: false, reason: 'no_push_endpoint' };
    for (const device of message.tokens) {
      const applicationArn = this.options.platformApplicationArns[device.platform];
      if (!applicationArn) continue;
      try {
        const TargetArn = await this.endpointArn(device.token, applicationArn);
        const out = await this.client.send(
          new PublishCommand({ TargetArn, MessageStructure: 'json', Message: payload }),
        );
        return { ok: true, providerId: out.MessageId ?? '' };
      } catch (err) {
        last = providerFailure(err, {
          EndpointDisabledException: 'endpoint_disabled',
          InvalidParameterException: 'invalid_token',
        });
      }
    }
    return last;
  }
}
