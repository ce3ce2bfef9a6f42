import { beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_SMS_TOPIC } from '../../infra/constructs/channels.js';
import type { CfnTemplate } from '../../infra/local/template.js';
import { CHANNEL_METRICS_NAMESPACE } from '../../shared/adapters/aws/channel-metrics.js';
import { REPUTATION_PAUSE_METRIC, REPUTATION_PAUSE_REASONS } from '../../shared/domain/channels/feedback.js';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

let template: CfnTemplate;
let resources: Record<string, Resource>;

beforeAll(() => {
  template = stackTemplate();
  resources = template.Resources as Record<string, Resource>;
});

const entries = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const refersTo = (value: unknown, id: string) => JSON.stringify(value).includes(`"${id}"`);
const getAttId = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
const actions = (s: Statement) => [s.Action].flat();
const service = (s: Statement) => (s.Principal as { Service?: string } | undefined)?.Service;
const statementsOf = (policy: Resource | undefined) =>
  (policy?.Properties.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [];
const keyStatements = () => {
  const [[, key]] = entries('AWS::KMS::Key') as [[string, Resource]];
  return (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
};
const topicPolicyOf = (topicId: string) =>
  entries('AWS::SNS::TopicPolicy').find(([, p]) => refersTo(p.Properties.Topics, topicId))?.[1];
const inboundTopicId = () =>
  entries('AWS::SNS::Topic').find(([, t]) => t.Properties.TopicName === INBOUND_SMS_TOPIC)![0];
const alarmTopicId = () =>
  entries('AWS::SNS::Topic').find(([, t]) => t.Properties.TopicName === 'feltfit-alarms')![0];

describe('two-way SMS', () => {
  it('creates the inbound SMS topic encrypted with the data key and refusing plain HTTP', () => {
    const topic = resources[inboundTopicId()]!;
    const keyId = entries('AWS::KMS::Key')[0]![0];
    expect(getAttId(topic.Properties.KmsMasterKeyId)).toBe(keyId);
    const denies = statementsOf(topicPolicyOf(inboundTopicId())).find(
      (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
    );
    expect(denies).toBeDefined();
  });

  it('lets End User Messaging SMS publish to it for this account’s numbers only', () => {
    const publish = statementsOf(topicPolicyOf(inboundTopicId())).filter(
      (s) => s.Effect === 'Allow' && actions(s).includes('sns:Publish'),
    );
    expect(publish).toHaveLength(1);
    expect(service(publish[0]!)).toBe('sms-voice.amazonaws.com');
    expect(publish[0]!.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(publish[0]!.Condition?.ArnLike)).toContain('arn:aws:sms-voice:');
  });

  it('lets the SMS service use the data key for this account’s numbers only, and SNS for this topic only', () => {
    const sms = keyStatements().filter((s) => service(s) === 'sms-voice.amazonaws.com');
    expect(sms).toHaveLength(1);
    expect(actions(sms[0]!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(sms[0]!.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(sms[0]!.Condition?.ArnLike)).toContain('arn:aws:sms-voice:');
    const viaSns = keyStatements().filter((s) => service(s) === 'sns.amazonaws.com');
    expect(viaSns).toHaveLength(1);
    expect(JSON.stringify(viaSns[0]!.Condition?.ArnEquals)).toContain(`:${INBOUND_SMS_TOPIC}"`);
  });

  it('subscribes provider-feedback with a dead-letter queue SNS may write to from this topic only', () => {
    const topicId = inboundTopicId();
    const subs = entries('AWS::SNS::Subscription').filter(([, s]) =>
      refersTo(s.Properties.TopicArn, topicId),
    );
    expect(subs).toHaveLength(1);
    const [, sub] = subs[0]!;
    expect(sub.Properties.Protocol).toBe('lambda');
    const fnId = getAttId(sub.Properties.Endpoint)!;
    const env = (resources[fnId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('feltfit-provider-feedback');

    const queueId = getAttId(
      (sub.Properties.RedrivePolicy as { deadLetterTargetArn: unknown }).deadLetterTargetArn,
    )!;
    expect(resources[queueId]!.Properties.QueueName).toBe('feltfit-failed-inbound-sms-subscription');
    const queuePolicy = entries('AWS::SQS::QueuePolicy').find(([, p]) =>
      refersTo(p.Properties.Queues, queueId),
    )?.[1];
    const send = statementsOf(queuePolicy).find(
      (s) => s.Effect === 'Allow' && actions(s).includes('sqs:SendMessage'),
    );
    expect(service(send!)).toBe('sns.amazonaws.com');
    expect(send!.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { Ref: topicId } } });

    const invoke = entries('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'sns.amazonaws.com' && refersTo(p.Properties.FunctionName, fnId),
    );
    expect(invoke.map(([, p]) => p.Properties.SourceArn)).toEqual([{ Ref: topicId }]);
  });

  it('outputs the topic ARN for the operator to set as the numbers’ two-way channel', () => {
    expect(template.Outputs?.InboundSmsTopicArn?.Value).toEqual({ Ref: inboundTopicId() });
  });
});

describe('the reputation pause', () => {
  it('alarms into the alarm topic as soon as marketing email is paused, for every reason', () => {
    const alarms = entries('AWS::CloudWatch::Alarm').filter(([, a]) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes(`"${REPUTATION_PAUSE_METRIC}"`),
    );
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId() }]);
    type Query = {
      Expression?: string;
      MetricStat?: {
        Metric: { Namespace: string; Dimensions: { Name: string; Value: string }[] };
        Stat: string;
      };
    };
    const metrics = alarm.Properties.Metrics as Query[];
    const stats = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat] : []));
    expect(stats.map((s) => s.Metric.Namespace)).toEqual(
      REPUTATION_PAUSE_REASONS.map(() => CHANNEL_METRICS_NAMESPACE),
    );
    expect(stats.map((s) => s.Metric.Dimensions)).toEqual(
      REPUTATION_PAUSE_REASONS.map((reason) => [{ Name: 'reason', Value: reason }]),
    );
    // Each reason filled with 0, so a reason that never paused does not blank the sum.
    const [expression] = metrics.filter((m) => m.Expression);
    expect(expression!.Expression!.split(' + ')).toHaveLength(REPUTATION_PAUSE_REASONS.length);
    for (const term of expression!.Expression!.split(' + ')) expect(term).toMatch(/^FILL\(\w+, 0\)$/);
  });
});

describe('the alarm topic', () => {
  it('lets CloudWatch publish, and use the data key, for this account’s alarms only', () => {
    const publish = statementsOf(topicPolicyOf(alarmTopicId())).filter(
      (s) => s.Effect === 'Allow' && actions(s).includes('sns:Publish'),
    );
    expect(publish.map(service)).toEqual(['cloudwatch.amazonaws.com']);
    const key = keyStatements().filter((s) => service(s) === 'cloudwatch.amazonaws.com');
    expect(key).toHaveLength(1);
    expect(actions(key[0]!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    for (const s of [...publish, ...key]) {
      expect(s.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
      expect(JSON.stringify(s.Condition?.ArnLike)).toMatch(/arn:aws:cloudwatch:.*:alarm:\*"/);
    }
  });
});
