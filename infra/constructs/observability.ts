import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  readonly key: kms.IKey;
}

/**
 * Alarms and dead-letter queues: every asynchronous hop gets a DLQ, and every DLQ an alarm that
 * notifies the `feltfit-alarms` topic (subscribe your on-call address to it).
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

  /** An encrypted dead-letter queue that alarms as soon as anything lands in it. */
  deadLetterQueue(scope: Construct, id: string, description: string): sqs.Queue {
    const queue = new sqs.Queue(scope, id, {
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
