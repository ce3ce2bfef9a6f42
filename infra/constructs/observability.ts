import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { FeltfitFunction } from './feltfit-function.js';

export interface ObservabilityProps {
  readonly key: kms.IKey;
}

/** Prefix of every failure queue's name: `feltfit dlq` finds the queues in AWS by it. */
export const FAILURE_QUEUE_PREFIX = 'feltfit-failed-';

/** A state machine to alarm on, with the `timeout` it was given (its timed-out executions alarm too). */
export interface WatchedMachine {
  readonly machine: sfn.StateMachine;
  readonly timeout?: Duration;
}

/** How Lambda retries a function's asynchronous invocations before the failure queue gets the event. */
export interface AsyncRetryPolicy {
  /** Retries after the first attempt fails (0–2). */
  readonly retryAttempts: number;
  /** Oldest an event may be and still be tried (1 minute – 6 hours). */
  readonly maxEventAge: Duration;
}

/**
 * Alarms and failure queues: every asynchronous hop gets a dead-letter queue or an on-failure
 * destination, and every such queue an alarm that notifies the `feltfit-alarms` topic (subscribe your
 * on-call address to it).
 */
export class Observability extends Construct {
  readonly alarmTopic: sns.Topic;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.key = props.key;
    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      topicName: 'feltfit-alarms',
      displayName: 'Feltfit alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    // The topic's policy replaces SNS's default one, and the topic is encrypted: CloudWatch may
    // publish, and use the key to, only for this account's alarms in this region.
    const { account, region } = Stack.of(this);
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${account}:alarm:*` },
    };
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudWatch],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccountsAlarms,
      }),
    );
    // EventBridge writes an event it could not deliver into a rule target's dead-letter queue, and the
    // queues are encrypted with this key: without this, that write fails and the event is lost. SQS
    // binds each message's data key to the queue's ARN (the encryption context), so EventBridge may use
    // the key for the failure queues only. Scheduler writes as its role (schedulesRole).
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringLike: {
            'kms:EncryptionContext:aws:sqs:arn': `arn:aws:sqs:${region}:${account}:${FAILURE_QUEUE_PREFIX}*`,
          },
        },
      }),
    );
  }

  /**
   * An encrypted dead-letter queue that alarms as soon as anything lands in it. `name` (after
   * `feltfit-failed-`) lets `feltfit dlq` find it.
   */
  deadLetterQueue(scope: Construct, id: string, description: string, name: string): sqs.Queue {
    const queue = new sqs.Queue(scope, id, {
      queueName: `${FAILURE_QUEUE_PREFIX}${name}`,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.alarm(
      scope,
      `${id}NotEmpty`,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      0,
      `${description}: messages in the dead-letter queue`,
    );
    return queue;
  }

  private schedules?: iam.Role;

  /**
   * The one role every EventBridge Scheduler schedule of the stack runs as (each target adds its
   * invoke and SendMessage grants). When an invocation keeps failing, Scheduler writes it to the
   * target's dead-letter queue as this role, and the queues are encrypted with the data key: the key
   * use is granted here, since the target grants only SendMessage — without it the write fails and
   * the invocation is lost.
   */
  schedulesRole(): iam.Role {
    if (!this.schedules) {
      const { account } = Stack.of(this);
      this.schedules = new iam.Role(this, 'SchedulesRole', {
        description:
          'EventBridge Scheduler: invokes the scheduled functions, dead-letters what keeps failing',
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      });
      this.key.grant(this.schedules, 'kms:GenerateDataKey', 'kms:Decrypt');
    }
    return this.schedules;
  }

  /** Name (after the prefix) of the one on-failure queue of every function's asynchronous invocations. */
  static readonly ASYNC_FAILURES = 'async-invocations';
  private asyncFailures?: sqs.Queue;

  /**
   * The on-failure destination of a function's asynchronous invocations (rule targets, schedules):
   * after the retries of `policy`, or when the event is older than its `maxEventAge`, Lambda sends
   * the invocation record (the function's ARN, the request payload, the error) to one encrypted,
   * alarmed queue shared by all functions — the record names the function, and one queue instead of
   * one per function keeps three resources per function out of a stack near CloudFormation's 500.
   * A rule target's dead-letter queue only catches events EventBridge could not hand to Lambda;
   * without this, an event whose handler keeps throwing is discarded.
   */
  asyncFailureQueue(fn: FeltfitFunction, policy: AsyncRetryPolicy): sqs.Queue {
    if (!this.asyncFailures) {
      this.asyncFailures = this.deadLetterQueue(
        this,
        'AsyncFailures',
        'Asynchronous invocations (a function kept failing on an event)',
        Observability.ASYNC_FAILURES,
      );
      this.acknowledgeDeadLetterQueue(
        this.asyncFailures,
        'on-failure destination of the functions’ asynchronous invocations',
      );
    }
    fn.configureAsyncInvoke({
      onFailure: new SqsDestination(this.asyncFailures),
      retryAttempts: policy.retryAttempts,
      maxEventAge: policy.maxEventAge,
    });
    // Sending to a queue encrypted with the data key needs kms:GenerateDataKey* on that key.
    fn.acknowledgeKmsGrantWildcards();
    return this.asyncFailures;
  }

  /**
   * Alarms on the failed executions of state machines, and on the timed-out ones of a machine given a
   * `timeout` (a timed-out execution is not a failed one): a task that still fails after its Retry
   * fails the execution, and no queue holds it (Step Functions keeps it, for `redrive-execution`).
   * An alarm's metric math takes at most 10 metrics, so the metrics are alarmed on in groups of 10.
   */
  alarmOnFailedExecutions(
    scope: Construct,
    id: string,
    machines: readonly (sfn.StateMachine | WatchedMachine)[],
    description: string,
  ): void {
    const metrics = machines.flatMap((m, k) => {
      const { machine, timeout } = 'machine' in m ? m : { machine: m, timeout: undefined };
      const failed: [string, cloudwatch.IMetric] = [
        `failed${k}`,
        machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      ];
      return timeout
        ? [
            failed,
            [`timedOut${k}`, machine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' })],
          ]
        : [failed];
    }) as [string, cloudwatch.IMetric][];
    for (let i = 0; i < metrics.length; i += 10) {
      const group = Object.fromEntries(metrics.slice(i, i + 10));
      const timedOut = Object.keys(group).some((m) => m.startsWith('timedOut'));
      this.alarm(
        scope,
        i === 0 ? id : `${id}${i / 10 + 1}`,
        new cloudwatch.MathExpression({
          // A machine with no failures reports no data, which would blank the whole sum: fill with 0.
          expression: Object.keys(group)
            .map((m) => `FILL(${m}, 0)`)
            .join(' + '),
          usingMetrics: group,
          period: Duration.minutes(5),
        }),
        0,
        `${description}: executions failed (a task kept failing after its retries)${timedOut ? ' or timed out' : ''}`,
      );
    }
  }

  /** An alarm when a metric goes above a threshold, notifying the alarm topic. */
  alarm(
    scope: Construct,
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));
    return alarm;
  }

  /** Records that a queue is itself a dead-letter queue (cdk-nag SQS3 asks every queue for one). */
  acknowledgeDeadLetterQueue(queue: sqs.Queue, what: string): void {
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: `This queue is the ${what}.` });
  }
}
