import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FeltfitFunction } from './feltfit-function.js';

export interface ObservabilityProps {
  readonly key: kms.IKey;
}

/** Prefix of every failure queue's name: `feltfit dlq` finds the queues in AWS by it. */
export const FAILURE_QUEUE_PREFIX = 'feltfit-failed-';

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

  /**
   * The on-failure destination of a function's asynchronous invocations (rule targets, schedules):
   * after the retries of `policy`, or when the event is older than its `maxEventAge`, Lambda sends
   * the invocation record (request payload, error) to an encrypted queue with an alarm. A rule
   * target's dead-letter queue only catches events EventBridge could not hand to Lambda; without
   * this, an event whose handler keeps throwing is discarded.
   */
  asyncFailureQueue(
    fn: FeltfitFunction,
    name: string,
    description: string,
    policy: AsyncRetryPolicy,
  ): sqs.Queue {
    const queue = this.deadLetterQueue(fn, 'AsyncFailures', `${description} (failed invocations)`, name);
    this.acknowledgeDeadLetterQueue(queue, `on-failure destination of ${name}'s asynchronous invocations`);
    fn.configureAsyncInvoke({
      onFailure: new SqsDestination(queue),
      retryAttempts: policy.retryAttempts,
      maxEventAge: policy.maxEventAge,
    });
    // Sending to a queue encrypted with the data key needs kms:GenerateDataKey* on that key.
    fn.acknowledgeKmsGrantWildcards();
    return queue;
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
