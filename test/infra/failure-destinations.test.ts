import { beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_QUEUE_PREFIX, Observability } from '../../infra/constructs/observability.js';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Resources = Record<string, Resource>;
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
};

let resources: Resources;

beforeAll(() => {
  resources = stackTemplate().Resources as Resources;
});

const entries = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const refersTo = (value: unknown, id: string) => JSON.stringify(value).includes(`"${id}"`);
const getAttId = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
const serviceName = (r: Resource) =>
  String(
    (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
      ?.POWERTOOLS_SERVICE_NAME ?? '',
  ).replace(/^feltfit-/, '');

/** Functions that EventBridge rules, Scheduler schedules or SNS subscriptions invoke (asynchronously, in AWS). */
function asyncInvokedFunctionIds(): Set<string> {
  const ids = new Set<string>();
  for (const [, rule] of entries('AWS::Events::Rule')) {
    for (const t of (rule.Properties.Targets as { Arn: unknown }[] | undefined) ?? []) {
      const id = getAttId(t.Arn);
      if (id && resources[id]?.Type === 'AWS::Lambda::Function') ids.add(id);
    }
  }
  for (const [, schedule] of entries('AWS::Scheduler::Schedule')) {
    const id = getAttId((schedule.Properties.Target as { Arn: unknown }).Arn);
    if (id && resources[id]?.Type === 'AWS::Lambda::Function') ids.add(id);
  }
  for (const [, sub] of entries('AWS::SNS::Subscription')) {
    const id = sub.Properties.Protocol === 'lambda' ? getAttId(sub.Properties.Endpoint) : undefined;
    if (id && resources[id]?.Type === 'AWS::Lambda::Function') ids.add(id);
  }
  return ids;
}

function statementsOfRole(roleId: string): Statement[] {
  return entries('AWS::IAM::Policy')
    .filter(([, p]) => refersTo(p.Properties.Roles, roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('the stack', () => {
  it('stays well under CloudFormation’s 500 resources, with room for what comes next', () => {
    expect(Object.keys(resources).length).toBeLessThan(480);
  });
});

describe('asynchronous invocations', () => {
  it('finds the functions the issue names among the asynchronously invoked ones', () => {
    const names = [...asyncInvokedFunctionIds()].map((id) => serviceName(resources[id]!));
    expect(names).toEqual(
      expect.arrayContaining([
        'start-journey',
        'resume-journeys',
        'record-conversion',
        'score-profiles',
        'provider-feedback',
        'train-models',
        'measurement-report',
        'monitor-models',
      ]),
    );
  });

  it('gives every asynchronously invoked function an on-failure SQS destination with bounded retries and age', () => {
    const configs = entries('AWS::Lambda::EventInvokeConfig').map(([, r]) => r.Properties);
    for (const fnId of asyncInvokedFunctionIds()) {
      const config = configs.find((c) => refersTo(c.FunctionName, fnId));
      expect(config, serviceName(resources[fnId]!)).toBeDefined();
      expect(config!.Qualifier).toBe('$LATEST');
      expect(config!.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(config!.MaximumRetryAttempts).toBeLessThanOrEqual(2);
      expect(config!.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(config!.MaximumEventAgeInSeconds).toBeLessThanOrEqual(6 * 3600);
      const destination = (config!.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure
        .Destination;
      const queueId = getAttId(destination);
      expect(resources[queueId!]?.Type).toBe('AWS::SQS::Queue');
      // One queue for all: the record names the function `feltfit dlq redrive` invokes.
      expect(resources[queueId!]!.Properties.QueueName).toBe(
        `${FAILURE_QUEUE_PREFIX}${Observability.ASYNC_FAILURES}`,
      );
      // The function's role may send to it (Lambda sends the record as the function).
      const roleId = getAttId(resources[fnId]!.Properties.Role)!;
      const send = statementsOfRole(roleId).find(
        (s) => refersTo(s.Resource, queueId!) && [s.Action].flat().includes('sqs:SendMessage'),
      );
      expect(send).toBeDefined();
    }
  });

  it('keeps the rule targets’ dead-letter queues for events EventBridge could not deliver', () => {
    for (const [id, rule] of entries('AWS::Events::Rule')) {
      for (const t of (rule.Properties.Targets as Record<string, unknown>[] | undefined) ?? []) {
        expect(t.DeadLetterConfig, id).toBeDefined();
      }
    }
  });

  /** The statements of the data key's policy (the one key every queue is encrypted with). */
  const keyStatements = (): Statement[] =>
    entries('AWS::KMS::Key').flatMap(
      ([, k]) => (k.Properties.KeyPolicy as { Statement: (Statement & { Principal?: unknown })[] }).Statement,
    );

  it('lets EventBridge use the data key for the failure queues only, so a rule target’s dead-letter write is not refused', () => {
    // Every rule target's dead-letter queue is one of the failure queues, encrypted with the data key.
    for (const [id, rule] of entries('AWS::Events::Rule')) {
      for (const t of (rule.Properties.Targets as { DeadLetterConfig?: { Arn: unknown } }[] | undefined) ??
        []) {
        const queue = resources[getAttId(t.DeadLetterConfig?.Arn)!];
        expect(String(queue?.Properties.QueueName), id).toMatch(new RegExp(`^${FAILURE_QUEUE_PREFIX}`));
        expect(queue?.Properties.KmsMasterKeyId, id).toBeDefined();
      }
    }
    const forEvents = keyStatements().filter(
      (s) =>
        JSON.stringify((s as { Principal?: unknown }).Principal) === '{"Service":"events.amazonaws.com"}',
    );
    expect(forEvents).toHaveLength(1);
    expect([forEvents[0]!.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    // Bound to the queues' ARNs through SQS's encryption context: not the tables, not any other queue.
    const context = JSON.stringify(forEvents[0]!.Condition);
    expect(context).toContain('kms:EncryptionContext:aws:sqs:arn');
    expect(context).toContain(`:${FAILURE_QUEUE_PREFIX}*`);
  });

  it('lets the schedules’ role use the data key, so a schedule’s dead-letter write is not refused', () => {
    const schedules = entries('AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThanOrEqual(2);
    const keyIds = entries('AWS::KMS::Key').map(([id]) => id);
    for (const [id, schedule] of schedules) {
      const target = schedule.Properties.Target as { RoleArn: unknown; DeadLetterConfig?: { Arn: unknown } };
      expect(target.DeadLetterConfig, id).toBeDefined();
      const statements = statementsOfRole(getAttId(target.RoleArn)!);
      const kms = statements.find((s) => keyIds.some((k) => refersTo(s.Resource, k)));
      expect([kms?.Action].flat().sort(), id).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      const dlqId = getAttId(target.DeadLetterConfig!.Arn)!;
      const sends = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
      expect(
        sends.some((s) => refersTo(s.Resource, dlqId)),
        id,
      ).toBe(true);
    }
  });

  it('gives every Lambda subscription of a topic a dead-letter queue for messages SNS could not deliver', () => {
    const lambdaSubs = entries('AWS::SNS::Subscription').filter(
      ([, s]) => s.Properties.Protocol === 'lambda',
    );
    expect(lambdaSubs.length).toBeGreaterThanOrEqual(1);
    for (const [id, sub] of lambdaSubs) {
      const target = (sub.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)
        ?.deadLetterTargetArn;
      expect(resources[getAttId(target)!]?.Type, id).toBe('AWS::SQS::Queue');
    }
  });

  it('encrypts every queue with the data key, refuses plain HTTP, names it and alarms when it holds a message', () => {
    const queues = entries('AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(7);
    const policies = entries('AWS::SQS::QueuePolicy').map(([, p]) => p.Properties);
    const alarms = entries('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const [id, q] of queues) {
      expect(q.Properties.KmsMasterKeyId, id).toBeDefined();
      expect(String(q.Properties.QueueName)).toMatch(new RegExp(`^${FAILURE_QUEUE_PREFIX}[a-z-]+$`));
      const policy = policies.find((p) => refersTo(p.Queues, id));
      const denies = (policy?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement.find(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      );
      expect(denies, `${id} enforces SSL`).toBeDefined();
      const alarm = alarms.find(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions).includes(`"${id}"`),
      );
      expect(alarm, `${id} has an alarm`).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(JSON.stringify(alarm!.AlarmActions)).toContain('ObservabilityAlarms');
    }
  });
});

describe('Step Functions', () => {
  /** A machine's top-level TimeoutSeconds (an execution past it times out, which is not a failure). */
  const timeoutOf = (machine: Resource): number | undefined => {
    const definition = machine.Properties.DefinitionString;
    const join = (definition as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    // Substituted parts (function ARNs) are strings inside the JSON: any placeholder keeps it parseable.
    const text = join ? join[1].map((p) => (typeof p === 'string' ? p : 'x')).join(join[0]) : definition;
    return (JSON.parse(String(text)) as { TimeoutSeconds?: number }).TimeoutSeconds;
  };

  it('alarms on failed executions of every state machine, and on timed-out ones where it has a timeout (a task that kept failing queues nothing)', () => {
    const alarms = entries('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const machines = entries('AWS::StepFunctions::StateMachine');
    expect(machines.map(([, m]) => m.Properties.StateMachineName)).toEqual(
      expect.arrayContaining(['feltfit-privacy-job', 'feltfit-campaign-run', 'feltfit-onboarding']),
    );
    const alarmOn = (metricName: string, id: string) =>
      alarms.find((a) => {
        // A metric-math alarm names the machine in the metric that counts its executions.
        const metrics = (a.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string } } }[];
        return metrics.some((m) => m.MetricStat?.Metric.MetricName === metricName && refersTo(m, id));
      });
    for (const [id, machine] of machines) {
      const names =
        timeoutOf(machine) === undefined ? ['ExecutionsFailed'] : ['ExecutionsFailed', 'ExecutionsTimedOut'];
      for (const name of names) {
        const alarm = alarmOn(name, id);
        expect(alarm, `${id} ${name}`).toMatchObject({
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
        expect(JSON.stringify(alarm!.AlarmActions), id).toContain('ObservabilityAlarms');
        // Metric math takes at most 10 metrics.
        expect((alarm!.Metrics as unknown[]).length).toBeLessThanOrEqual(11);
      }
    }
  });
});

describe('the send role', () => {
  const sendStatements = () => {
    const [fnId] = entries('AWS::Lambda::Function').find(([, r]) => serviceName(r) === 'send')!;
    return statementsOfRole(getAttId(resources[fnId]!.Properties.Role)!);
  };

  it('publishes to push endpoints and phone numbers only, never to a topic', () => {
    const publish = sendStatements().filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish).toHaveLength(2);
    for (const s of publish) expect(s.Effect).toBe('Allow');
    const byResource = publish.find((s) => s.Resource !== undefined)!;
    expect(JSON.stringify(byResource.Resource)).toMatch(/:endpoint\/\*"/);
    expect(JSON.stringify(byResource.Resource)).not.toContain('"*"');
    // Direct-to-phone publishes have no resource ARN: allowed by excluding every SNS ARN.
    const phone = publish.find((s) => s.Resource === undefined)!;
    expect(phone.NotResource).toBe('arn:aws:sns:*:*:*');
  });

  it('creates platform endpoints only under this account’s platform applications', () => {
    const create = sendStatements().filter((s) => [s.Action].flat().includes('sns:CreatePlatformEndpoint'));
    expect(create).toHaveLength(1);
    expect(JSON.stringify(create[0]!.Resource)).toMatch(/:app\/\*"/);
  });
});
