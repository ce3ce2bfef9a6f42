/**
 * EmailSender over SES v2 `SendEmail`: Simple content with headers (List-Unsubscribe and RFC 8058
 * List-Unsubscribe-Post), or Raw MIME when configured; configuration set and tags for event publishing.
 */
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { EmailMessage, EmailSender, ProviderResult } from '../../ports/channels.js';
import { awsClient } from '../aws/clients.js';
import { buildMime } from '../outbox/mime.js';
import { providerFailure } from './provider-error.js';

/** SES tag names and values allow only ASCII letters, digits, `_` and `-`, up to 256 characters. */
export function sesTagValue(value: string): string {
  const clean = value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
  return clean.length > 0 ? clean : '_';
}

const REJECTIONS = {
  MessageRejected: 'rejected',
  MailFromDomainNotVerifiedException: 'sender_not_verified',
  NotFoundException: 'configuration_missing',
  AccountSuspendedException: 'account_suspended',
  SendingPausedException: 'sending_paused',
  BadRequestException: 'bad_request',
};

/** Builds the SendEmail request for a message. */
export function sendEmailInput(
  message: EmailMessage,
  options: { configurationSet?: string; mode?: 'simple' | 'raw'; date?: Date },
): SendEmailCommandInput {
  const common = {
    FromEmailAddress: message.from,
    Destination: { ToAddresses: [message.to] },
    ...(message.replyTo ? { ReplyToAddresses: [message.replyTo] } : {}),
    ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
    EmailTags: Object.entries(message.tags).map(([Name, Value]) => ({
      Name: sesTagValue(Name),
      Value: sesTagValue(Value),
    })),
  };
  if (options.mode === 'raw') {
    const raw = buildMime(message, {
      date: options.date ?? new Date(),
      domain: 'feltfit',
      boundary: `feltfit-${message.messageId}`,
    });
    return { ...common, Content: { Raw: { Data: new TextEncoder().encode(raw) } } };
  }
  return {
    ...common,
    Content: {
      Simple: {
        Subject: { Data: message.subject, Charset: 'UTF-8' },
        Body: {
          Text: { Data: message.text, Charset: 'UTF-8' },
          ...(message.html !== undefined ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
        },
        ...(message.headers.length
          ? { Headers: message.headers.map((h) => ({ Name: h.name, Value: h.value })) }
          : {}),
      },
    },
  };
}

/** SES v2 implementation of EmailSender. */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly options: {
      readonly client?: SESv2Client;
      readonly configurationSet?: string;
      readonly mode?: 'simple' | 'raw';
    } = {},
    private readonly client = options.client ?? awsClient(SESv2Client, 'ses'),
  ) {}

  async sendEmail(message: EmailMessage): Promise<ProviderResult> {
    try {
      const out = await this.client.send(
        new SendEmailCommand(
          sendEmailInput(message, {
            ...(this.options.configurationSet ? { configurationSet: this.options.configurationSet } : {}),
            mode: this.options.mode ?? 'simple',
          }),
        ),
      );
      return { ok: true, providerId: out.MessageId ?? '' };
    } catch (err) {
      return providerFailure(err, REJECTIONS);
    }
  }
}
