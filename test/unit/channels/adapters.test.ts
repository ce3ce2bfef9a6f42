import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { CreatePlatformEndpointCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { mimePart, parseHeaders } from '../../../shared/adapters/outbox/mime.js';
import { SnsPushSender } from '../../../shared/adapters/push/sns-push.js';
import { SesEmailSender, sesTagValue } from '../../../shared/adapters/ses/email-sender.js';
import { EumSmsSender, SnsSmsSender } from '../../../shared/adapters/sms/sms-senders.js';
import type { EmailMessage } from '../../../shared/ports/channels.js';

const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
const eum = mockClient(PinpointSMSVoiceV2Client);

beforeEach(() => {
  ses.reset();
  sns.reset();
  eum.reset();
});

const email: EmailMessage = {
  messageId: 'm1',
  from: 'Shop <hello@example.com>',
  to: 'ada@example.com',
  subject: 'Hello Ada',
  html: '<p>Hi</p>',
  text: 'Hi',
  headers: [
    { name: 'List-Unsubscribe', value: '<https://api.example.com/v1/unsubscribe?token=abc.def>' },
    { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
  ],
  tags: { journey: 'win back/2024', step: 'step:1', variant: 'A', feltfit_message_id: 'm1' },
};

const awsError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('SES v2 email adapter', () => {
  it('sends Simple content with the unsubscribe headers, configuration set and sanitised tags', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const sender = new SesEmailSender({ client: new SESv2Client({}), configurationSet: 'feltfit' });
    expect(await sender.sendEmail(email)).toEqual({ ok: true, providerId: 'ses-1' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'Shop <hello@example.com>',
      Destination: { ToAddresses: ['ada@example.com'] },
      ConfigurationSetName: 'feltfit',
      EmailTags: [
        { Name: 'journey', Value: 'win_back_2024' },
        { Name: 'step', Value: 'step_1' },
        { Name: 'variant', Value: 'A' },
        { Name: 'feltfit_message_id', Value: 'm1' },
      ],
      Content: {
        Simple: {
          Subject: { Data: 'Hello Ada', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Hi', Charset: 'UTF-8' }, Html: { Data: '<p>Hi</p>', Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: '<https://api.example.com/v1/unsubscribe?token=abc.def>' },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
    });
  });

  it('sends Raw MIME with the same headers when configured', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-2' });
    await new SesEmailSender({ client: new SESv2Client({}), mode: 'raw' }).sendEmail(email);
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    const raw = new TextDecoder().decode(input.Content?.Raw?.Data);
    expect(parseHeaders(raw)).toMatchObject({
      'list-unsubscribe-post': 'List-Unsubscribe=One-Click',
      subject: 'Hello Ada',
      'content-type': expect.stringContaining('multipart/alternative'),
    });
    expect(mimePart(raw, 'text/html')).toBe('<p>Hi</p>');
  });

  it.each([
    ['TooManyRequestsException', 429, { retryable: true, reason: 'throttled' }],
    ['InternalServiceError', 500, { retryable: true, reason: 'provider_unavailable' }],
    ['MessageRejected', 400, { retryable: false, reason: 'rejected' }],
    ['AccountSuspendedException', 400, { retryable: false, reason: 'account_suspended' }],
  ])('maps %s to a failure value', async (name, status, expected) => {
    ses.on(SendEmailCommand).rejects(awsError(name, status));
    expect(await new SesEmailSender({ client: new SESv2Client({}) }).sendEmail(email)).toEqual({
      ok: false,
      ...expected,
    });
  });

  it('keeps tag values within SES charset and length', () => {
    expect(sesTagValue('é x.y@z')).toBe('__x_y_z');
    expect(sesTagValue('')).toBe('_');
    expect(sesTagValue('a'.repeat(300))).toHaveLength(256);
  });
});

describe('SMS adapters', () => {
  const sms = {
    messageId: 'm2',
    to: '+15551234567',
    body: 'Sale! Reply STOP to opt out',
    type: 'promotional' as const,
    segments: 1,
  };

  it('publishes through SNS with the SMS type and origination attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const sender = new SnsSmsSender({
      client: new SNSClient({}),
      senderId: 'SHOP',
      originationNumber: '+15550000000',
    });
    expect(await sender.sendSms(sms)).toEqual({ ok: true, providerId: 'sns-1' });
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      PhoneNumber: '+15551234567',
      Message: 'Sale! Reply STOP to opt out',
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Promotional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'SHOP' },
        'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+15550000000' },
      },
    });
  });

  it('sends through End User Messaging with the origination identity and configuration set', async () => {
    eum.on(SendTextMessageCommand).resolves({ MessageId: 'eum-1' });
    const sender = new EumSmsSender({
      client: new PinpointSMSVoiceV2Client({}),
      originationIdentity: 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1',
      configurationSet: 'feltfit-sms',
    });
    expect(await sender.sendSms({ ...sms, type: 'transactional' })).toEqual({
      ok: true,
      providerId: 'eum-1',
    });
    expect(eum.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toEqual({
      DestinationPhoneNumber: '+15551234567',
      OriginationIdentity: 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1',
      MessageBody: 'Sale! Reply STOP to opt out',
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'feltfit-sms',
      Context: { feltfit_message_id: 'm2' },
    });
  });

  it('treats End User Messaging throttling as retryable', async () => {
    eum.on(SendTextMessageCommand).rejects(awsError('ThrottlingException', 400));
    const sender = new EumSmsSender({
      client: new PinpointSMSVoiceV2Client({}),
      originationIdentity: 'pool-1',
    });
    expect(await sender.sendSms(sms)).toEqual({ ok: false, retryable: true, reason: 'throttled' });
  });
});

describe('SNS mobile push adapter', () => {
  const push = {
    messageId: 'm3',
    tokens: [
      { token: 'android-token', platform: 'android' as const },
      { token: 'ios-token', platform: 'ios' as const },
    ],
    title: 'Back in stock',
    body: 'Your size is back',
    data: { messageId: 'm3' },
  };

  it('creates the platform endpoint and publishes a per-platform JSON message', async () => {
    sns
      .on(CreatePlatformEndpointCommand)
      .resolves({ EndpointArn: 'arn:aws:sns:us-east-1:1:endpoint/APNS/app/e1' });
    sns.on(PublishCommand).resolves({ MessageId: 'push-1' });
    const sender = new SnsPushSender({
      client: new SNSClient({}),
      platformApplicationArns: { ios: 'arn:aws:sns:us-east-1:1:app/APNS/app' },
    });
    expect(await sender.sendPush(push)).toEqual({ ok: true, providerId: 'push-1' });
    expect(sns.commandCalls(CreatePlatformEndpointCommand)[0]!.args[0].input).toEqual({
      PlatformApplicationArn: 'arn:aws:sns:us-east-1:1:app/APNS/app',
      Token: 'ios-token',
    });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TargetArn: 'arn:aws:sns:us-east-1:1:endpoint/APNS/app/e1',
      MessageStructure: 'json',
    });
    const message = JSON.parse(input.Message!) as Record<string, string>;
    expect(message.default).toBe('Your size is back');
    expect(JSON.parse(message.APNS!)).toEqual({
      aps: { alert: { title: 'Back in stock', body: 'Your size is back' } },
      messageId: 'm3',
    });
    expect(JSON.parse(message.GCM!)).toMatchObject({ notification: { title: 'Back in stock' } });
  });

  it('fails without retry when no device has a configured platform', async () => {
    const sender = new SnsPushSender({ client: new SNSClient({}), platformApplicationArns: {} });
    expect(await sender.sendPush(push)).toEqual({ ok: false, retryable: false, reason: 'no_push_endpoint' });
  });

  it('reports a disabled endpoint', async () => {
    sns.on(CreatePlatformEndpointCommand).resolves({ EndpointArn: 'arn:e' });
    sns.on(PublishCommand).rejects(awsError('EndpointDisabledException', 400));
    const sender = new SnsPushSender({
      client: new SNSClient({}),
      platformApplicationArns: { android: 'arn:aws:sns:x:1:app/GCM/a' },
    });
    expect(await sender.sendPush(push)).toEqual({ ok: false, retryable: false, reason: 'endpoint_disabled' });
  });
});
