import { CfnOutput, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { CHANNEL_METRICS_NAMESPACE } from '../../shared/adapters/aws/channel-metrics.js';
import { TABLES } from '../../shared/adapters/dynamodb/tables.js';
import type { ChannelsConfig } from '../../shared/config/channels.js';
import { REPUTATION_PAUSE_METRIC, REPUTATION_PAUSE_REASONS } from '../../shared/domain/channels/feedback.js';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

export interface ChannelsProps {
  readonly api: Api;
  readonly data: Data;
  readonly observability: Observability;
  readonly config: ChannelsConfig;
  readonly logRetentionDays: logs.RetentionDays;
  /** Raw-event retention (consent withdrawals are written as events). */
  readonly retentionDays: number;
}

/** Name of the topic End User Messaging SMS publishes replies to (the numbers' two-way channel). */
export const INBOUND_SMS_TOPIC = 'feltfit-inbound-sms';

/**
 * Channels: the one guarded send path (invoked by journeys), one-click unsubscribe, the in-app inbox,
 * provider feedback from SES through EventBridge and from two-way SMS through SNS, and the alarm on
 * the reputation pause.
 */
export class Channels extends Construct {
  readonly send: FeltfitFunction;
  /** The two-way SMS topic: set it as the two-way channel of every number that sends Feltfit's SMS. */
  readonly inboundSms: sns.Topic;

  constructor(scope: Construct, id: string, props: ChannelsProps) {
    super(scope, id);
    const { api, data, observability } = props;
    const configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.config.email.configurationSet ?? 'feltfit',
    });
    // SES publishes sending events to the default bus only.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.OPEN,
        ses.EmailSendingEvent.CLICK,
        ses.EmailSendingEvent.REJECT,
        ses.EmailSendingEvent.RENDERING_FAILURE,
      ],
    });

    const secret = (name: string, description: string) => {
      const s = new secretsmanager.Secret(this, name, {
        description,
        encryptionKey: data.key,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      Validations.of(s).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'An HMAC signing key: rotating it invalidates every link already sent; rotate by hand with a grace period (docs/operations.md).',
      });
      return s;
    };
    const unsubscribeSecret = secret('UnsubscribeSecret', 'Signs one-click unsubscribe tokens');
    const inboxSecret = secret(
      'InboxSecret',
      'Verifies per-person in-app inbox tokens signed by the customer backend',
    );

    // The unsubscribe link points at this stack's own endpoint unless the configuration names another.
    const unsubscribeUrl = props.config.email.unsubscribeUrl.startsWith('http://localhost')
      ? `${api.httpApi.apiEndpoint}/v1/unsubscribe`
      : props.config.email.unsubscribeUrl;
    const config = {
      ...props.config,
      email: {
        ...props.config.email,
        configurationSet: configurationSet.configurationSetName,
        unsubscribeUrl,
      },
    };
    const channelFunction = (cid: string, name: string, description: string) => {
      const fn = new FeltfitFunction(this, cid, {
        name,
        description,
        logRetentionDays: props.logRetentionDays,
        environment: { CHANNELS_CONFIG: JSON.stringify(config), RETENTION_DAYS: String(props.retentionDays) },
        secretsExtension: true,
      });
      data.bind(fn, 'messages', 'rw');
      data.bind(fn, 'profiles', 'r');
      return fn;
    };
    const useSecret = (fn: FeltfitFunction, envName: string, s: secretsmanager.Secret) => {
      s.grantRead(fn);
      fn.addEnvironment(envName, s.secretArn);
    };

    this.send = channelFunction(
      'Send',
      'send',
      'Guarded send: consent, suppression, approval, caps, quiet hours, ledger',
    );
    useSecret(this.send, 'UNSUBSCRIBE_SECRET_ARN', unsubscribeSecret);
    // Suppressions are looked up by the keyed hash of the address.
    data.bindHashKey(this.send);
    // Counters of sent messages on the journeys table: the execution's fairness cohort and the
    // content bandit's exposures. UpdateItem on cohort and bandit items (partition keys COHORT#…,
    // BANDIT#…) only; the table's key is the one data key, already granted through the messages table.
    const journeysTable = data.tables.journeys;
    this.send.addEnvironment(TABLES.journeys.envVar, journeysTable.tableName);
    this.send.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [journeysTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COHORT#*', 'BANDIT#*'] } },
      }),
    );
    const region = Stack.of(this).region;
    const account = Stack.of(this).account;
    this.send.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          `arn:aws:ses:${region}:${account}:identity/*`,
          `arn:aws:ses:${region}:${account}:configuration-set/${configurationSet.configurationSetName}`,
        ],
      }),
    );
    // Push: endpoints of this account's platform applications, created per device at send time.
    this.send.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:CreatePlatformEndpoint'],
        resources: [`arn:aws:sns:${region}:${account}:app/*`],
      }),
    );
    this.send.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: [`arn:aws:sns:${region}:${account}:endpoint/*`],
      }),
    );
    // SMS: a publish to a phone number names no resource, so IAM matches it only against `*`. Every
    // topic and endpoint ARN is excluded, so this statement cannot publish to a topic.
    this.send.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], notResources: ['arn:aws:sns:*:*:*'] }),
    );
    this.send.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        resources: [`arn:aws:sms-voice:${region}:${account}:*`],
      }),
    );
    // cdk-nag names findings by the rendered ARN: pseudo parameters appear as <AWS::…>.
    const r = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    const a = Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
    Validations.of(this.send.role!).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:ses:${r}:${a}:identity/*]`,
        reason:
          'The sending identity (domain or address) is the customer’s and verified outside the stack; SendEmail is still limited to this account and region.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:sns:${r}:${a}:app/*]`,
        reason:
          'Push platform applications (APNs, FCM) are the customer’s, created outside the stack; limited to this account and region.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:sns:${r}:${a}:endpoint/*]`,
        reason:
          'Push endpoints are created per device at send time (CreatePlatformEndpoint); limited to this account and region, no topics.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:sms-voice:${r}:${a}:*]`,
        reason:
          'The origination identity (number, sender id or pool) is configured by the customer; limited to this account and region.',
      },
    );

    const unsubscribe = channelFunction('Unsubscribe', 'unsubscribe', 'One-click unsubscribe (RFC 8058)');
    useSecret(unsubscribe, 'UNSUBSCRIBE_SECRET_ARN', unsubscribeSecret);
    // Consent events are stored under the keyed hash of the person's id.
    data.bindHashKey(unsubscribe);
    data.bind(unsubscribe, 'events', 'w');
    // One integration per function, whatever its routes: each integration is a resource of the stack.
    const unsubscribeIntegration = new HttpLambdaIntegration('Unsubscribe', unsubscribe, API_SCOPED);
    api.addPublicRoutes(
      ['/v1/unsubscribe'],
      apigw.HttpMethod.GET,
      unsubscribeIntegration,
      'The signed, expiring token in the link is the authorization: it names one person and channel.',
    );
    api.addPublicRoutes(
      ['/v1/unsubscribe'],
      apigw.HttpMethod.POST,
      unsubscribeIntegration,
      'The signed, expiring token in the link is the authorization: it names one person and channel.',
    );

    const inbox = channelFunction('Inbox', 'inbox', 'In-app inbox for apps, per-person signed tokens');
    useSecret(inbox, 'INBOX_SECRET_ARN', inboxSecret);
    const inboxIntegration = new HttpLambdaIntegration('Inbox', inbox, API_SCOPED);
    api.addPublicRoutes(
      ['/v1/inbox'],
      apigw.HttpMethod.GET,
      inboxIntegration,
      'A per-person token signed by the customer backend (HMAC) authorizes each call; the function verifies it.',
    );
    api.addPublicRoutes(
      ['/v1/inbox/{messageId}/read'],
      apigw.HttpMethod.POST,
      inboxIntegration,
      'A per-person token signed by the customer backend (HMAC) authorizes each call; the function verifies it.',
    );

    const feedback = channelFunction(
      'ProviderFeedback',
      'provider-feedback',
      'SES events and inbound SMS: ledger, suppression, reputation',
    );
    data.bind(feedback, 'events', 'w');
    // Suppressed addresses and consent events are keyed hashes.
    data.bindHashKey(feedback);
    // Bounces and complaints feed suppression and the reputation pause: retried twice, kept six hours.
    observability.asyncFailureQueue(feedback, {
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    const feedbackDlq = observability.deadLetterQueue(
      this,
      'ProviderFeedbackDlq',
      'Provider feedback',
      'provider-feedback-rule',
    );
    observability.acknowledgeDeadLetterQueue(
      feedbackDlq,
      'dead-letter queue of the SES feedback rule target',
    );
    new events.Rule(this, 'SesEvents', {
      eventBus: defaultBus,
      description: 'SES sending events of Feltfit’s configuration set',
      eventPattern: { source: ['aws.ses'] },
      targets: [
        new targets.LambdaFunction(feedback, {
          deadLetterQueue: feedbackDlq,
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    this.inboundSms = this.inboundSmsTopic(data, observability, feedback);

    // A pause emits its metric once, when it starts; the flag stays until an operator resumes.
    observability.alarm(
      this,
      'MarketingEmailPaused',
      new cloudwatch.MathExpression({
        // A reason that never paused reports no data, which would blank the sum: fill with 0.
        expression: REPUTATION_PAUSE_REASONS.map((_, k) => `FILL(r${k}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(
          REPUTATION_PAUSE_REASONS.map((reason, k) => [
            `r${k}`,
            new cloudwatch.Metric({
              namespace: CHANNEL_METRICS_NAMESPACE,
              metricName: REPUTATION_PAUSE_METRIC,
              dimensionsMap: { reason },
              statistic: 'Sum',
              period: Duration.minutes(5),
            }),
          ]),
        ),
        period: Duration.minutes(5),
      }),
      0,
      'Marketing email is paused: the bounce or complaint rate crossed its threshold. Find the cause, then resume by hand (docs/channels.md, "Provider feedback and the reputation guard").',
    );
  }

  /**
   * Two-way SMS: End User Messaging SMS publishes every message a person texts to one of the numbers
   * to this topic once it is the number's two-way channel (set by the operator: README, "Deploy to
   * AWS"), and provider-feedback reads the STOPs off it. Encrypted with the data key, which the SMS
   * service may use for this account's numbers only; SNS keeps what it could not hand to Lambda in a
   * dead-letter queue, and Lambda what the function kept failing on in the async failure queue.
   */
  private inboundSmsTopic(data: Data, observability: Observability, feedback: FeltfitFunction): sns.Topic {
    const stack = Stack.of(this);
    const topic = new sns.Topic(this, 'InboundSms', {
      topicName: INBOUND_SMS_TOPIC,
      displayName: 'Feltfit inbound SMS (two-way channel)',
      masterKey: data.key,
      enforceSSL: true,
    });
    const smsService = new iam.ServicePrincipal('sms-voice.amazonaws.com');
    // The confused-deputy guard End User Messaging documents: its publishes for this account's numbers only.
    const fromThisAccountsNumbers = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:aws:sms-voice:${stack.region}:${stack.account}:*` },
    };
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [smsService],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisAccountsNumbers,
      }),
    );
    data.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [smsService],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccountsNumbers,
      }),
    );

    const dlq = observability.deadLetterQueue(
      this,
      'InboundSmsDlq',
      'Inbound SMS',
      'inbound-sms-subscription',
    );
    observability.acknowledgeDeadLetterQueue(dlq, 'dead-letter queue of the inbound SMS subscription');
    topic.addSubscription(new subscriptions.LambdaSubscription(feedback, { deadLetterQueue: dlq }));
    // SNS writes to the dead-letter queue, encrypted with the data key, for this topic only. The ARN is
    // spelled out: referring to the topic would make the key depend on the topic that depends on it.
    data.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:SourceArn': `arn:aws:sns:${stack.region}:${stack.account}:${INBOUND_SMS_TOPIC}` },
        },
      }),
    );

    new CfnOutput(this, 'InboundSmsTopicArn', {
      value: topic.topicArn,
      description:
        'Two-way SMS: set as each sending number’s two-way channel (aws pinpoint-sms-voice-v2 update-phone-number --two-way-enabled --two-way-channel-arn …)',
    }).overrideLogicalId('InboundSmsTopicArn');
    return topic;
  }
}
