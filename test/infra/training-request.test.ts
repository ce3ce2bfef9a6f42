import { beforeAll, describe, expect, it } from 'vitest';
import {
  TRAINING_REQUEST_DETAIL_TYPE,
  TRAINING_REQUEST_SOURCE,
} from '../../shared/domain/models/training-request.js';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, any> };

let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const idOf = (predicate: (r: Resource) => boolean) => {
  const found = Object.entries(resources).filter(([, r]) => predicate(r));
  expect(found).toHaveLength(1);
  return found[0]![0];
};

const rulesFor = (source: string, detailType: string) =>
  Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::Events::Rule' &&
      r.Properties.EventPattern?.source?.includes(source) &&
      r.Properties.EventPattern?.['detail-type']?.includes(detailType),
  );

describe('a "train now" request', () => {
  it('is delivered from the feltfit bus to the trainer, retried twice and dead-lettered like a drift retrain', () => {
    const trainer = idOf(
      (r) => r.Type === 'AWS::Lambda::Function' && /^Fits CLV/.test(r.Properties.Description),
    );
    const bus = idOf((r) => r.Type === 'AWS::Events::EventBus' && r.Properties.Name === 'feltfit');
    const [request] = rulesFor(TRAINING_REQUEST_SOURCE, TRAINING_REQUEST_DETAIL_TYPE);
    const [drift] = rulesFor('feltfit.measurement', 'ModelDriftDetected');
    expect(request).toBeDefined();
    const [ruleId, rule] = request!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['feltfit.admin'],
      'detail-type': ['ModelTrainingRequested'],
    });
    expect(rule.Properties.EventBusName).toEqual({ Ref: bus });
    expect(rule.Properties.Targets).toHaveLength(1);
    const target = rule.Properties.Targets[0];
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [trainer, 'Arn'] });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
    // The same dead-letter queue (and so the same alarm) as the drift retrain.
    expect(target.DeadLetterConfig).toEqual(drift![1].Properties.Targets[0].DeadLetterConfig);
    expect(target.DeadLetterConfig.Arn).toBeDefined();

    // EventBridge may invoke the trainer for this rule only.
    const permissions = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(r.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [ruleId, 'Arn'] }),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [trainer, 'Arn'] },
    });
  });
});
