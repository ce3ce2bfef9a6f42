/**
 * SmsSender adapters: SNS `Publish` to a phone number, or End User Messaging SMS (`SendTextMessage`) when
 * an origination identity is configured.
 */
import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { ProviderResult, SmsMessage, SmsSender } from '../../ports/channels.js';
import { awsClient } from '../aws/clients.js';
import { providerFailure } from '../ses/provider-error.js';

const SNS_REJECTIONS = {
  InvalidParameterException: 'invalid_address',
  InvalidParameterValueException: 'invalid_address',
  OptedOutException: 'opted_out',
  AuthorizationErrorException: 'not_authorised',
};

/** The SNS Publish request for an SMS. */
export function snsSmsInput(
  message: SmsMessage,
  options: { senderId?: string; originationNumber?: string },
): PublishCommandInput {
  return {
    PhoneNumber: message.to,
    Message: message.body,
    MessageAttributes: {
      'AWS.SNS.SMS.SMSType': {
        DataType: 'String',
        StringValue: message.type === 'transactional' ? 'Transactional' : 'Promotional',
      },
      ...(options.senderId
        ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: options.senderId } }
        : {}),
      ...(options.originationNumber
        ? { 'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: options.originationNumber } }
        : {}),
    },
  };
}

/** SNS implementation of SmsSender. */
export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly options: {
      readonly client?: SNSClient;
      readonly senderId?: string;
      readonly originationNumber?: string;
    } = {},
    private readonly client = options.client ?? awsClient(SNSClient, 'sms'),
  ) {}

  async sendSms(message: SmsMessage): Promise<ProviderResult> {
    try {
      const out = await this.client.send(
        new PublishCommand(
          snsSmsInput(message, {
            ...(this.options.senderId ? { senderId: this.options.senderId } : {}),
            ...(this.options.originationNumber ? { originationNumber: this.options.originationNumber } : {}),
          }),
        ),
      );
      return { ok: true, providerId: out.MessageId ?? '' };
    } catch (err) {
      return providerFailure(err, SNS_REJECTIONS);
    }
  }
}

const EUM_REJECTIONS = {
  ValidationException: 'invalid_address',
  ConflictException: 'opted_out',
  ResourceNotFoundException: 'configuration_missing',
  AccessDeniedException: 'not_authorised',
  ServiceQuotaExceededException: 'quota_exceeded',
};

/** The End User Messaging SendTextMessage request for an SMS. */
export function eumSmsInput(
  message: SmsMessage,
  options: { originationIdentity: string; configurationSet?: string },
): SendTextMessageCommandInput {
  return {
    DestinationPhoneNumber: message.to,
    OriginationIdentity: options.originationIdentity,
    MessageBody: message.body,
    MessageType: message.type === 'transactional' ? 'TRANSACTIONAL' : 'PROMOTIONAL',
    ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
    Context: { feltfit_message_id: message.messageId },
  };
}

/** End User Messaging SMS (pinpoint-sms-voice-v2) implementation of SmsSender. */
export class EumSmsSender implements SmsSender {
  constructor(
    private readonly options: {
      readonly client?: PinpointSMSVoiceV2Client;
      readonly originationIdentity: string;
      readonly configurationSet?: string;
    },
    private readonly client = options.client ?? awsClient(PinpointSMSVoiceV2Client, 'sms'),
  ) {}

  async sendSms(message: SmsMessage): Promise<ProviderResult> {
    try {
      const out = await this.client.send(
        new SendTextMessageCommand(
          eumSmsInput(message, {
            originationIdentity: this.options.originationIdentity,
            ...(this.options.configurationSet ? { configurationSet: this.options.configurationSet } : {}),
          }),
        ),
      );
      return { ok: true, providerId: out.MessageId ?? '' };
    } catch (err) {
      return providerFailure(err, EUM_REJECTIONS);
    }
  }
}
