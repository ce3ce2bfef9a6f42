import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ProfilesConfig } from '../../shared/config/profiles.js';
import type { Bus } from './bus.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

/**
 * The projector's mapping on the events table's stream: up to 500 records, gathered for up to 2 s,
 * per invocation (docs/profiles.md §9: what batch size buys and costs).
 */
export const PROJECTOR_STREAM = { batchSize: 500, maxBatchingWindowSeconds: 2 } as const;

export interface ProfilesProps {
  readonly data: Data;
  readonly bus: Bus;
  readonly observability: Observability;
  readonly config: ProfilesConfig;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Profiles: the projector that turns the events table's stream into unified, consented profiles
 * (domain events in each profile item's outbox), and the outbox publisher that puts those events
 * on the bus from the profiles table's stream for journeys, measurement and scoring.
 */
export class Profiles extends Construct {
  readonly projector: FeltfitFunction;
  readonly publisher: FeltfitFunction;

  constructor(scope: Construct, id: string, props: ProfilesProps) {
    super(scope, id);
    this.projector = new FeltfitFunction(this, 'Projector', {
      name: 'project-profile',
      description: 'Projects stored events into profiles, identities, consent and features',
      logRetentionDays: props.logRetentionDays,
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: { PROFILES_CONFIG: JSON.stringify(props.config) },
      secretsExtension: true,
    });
    // The identity index and tombstones are keyed by the keyed hash of each identifier.
    props.data.bindHashKey(this.projector);
    // Read events; delete the raw events of erased people (tombstones).
    props.data.bind(this.projector, 'events', 'rw');
    props.data.bind(this.projector, 'profiles', 'rw');

    const dlq = props.observability.deadLetterQueue(
      this,
      'ProjectorDlq',
      'Profile projector',
      'project-profile-stream',
    );
    this.projector.addEventSource(
      new DynamoEventSource(props.data.tables.events, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: PROJECTOR_STREAM.batchSize,
        maxBatchingWindow: Duration.seconds(PROJECTOR_STREAM.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
        // Events only: the landed batches the ingest fan-out stores (`L#` items) are not events.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.beginsWith('M#') } } },
          }),
        ],
      }),
    );
    props.observability.alarm(
      this,
      'ProjectorErrors',
      this.projector.metricErrors({ period: Duration.minutes(5) }),
      0,
      'Profile projector: invocation errors',
    );
    props.observability.acknowledgeDeadLetterQueue(
      dlq,
      'dead-letter destination of the projector’s stream mapping',
    );

    // The outbox publisher reads only the stream (no table grant) and puts events on the bus.
    this.publisher = new FeltfitFunction(this, 'Publisher', {
      name: 'publish-domain-events',
      description: 'Publishes the domain events of profile commits from the profiles table outbox',
      logRetentionDays: props.logRetentionDays,
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    props.bus.bind(this.publisher);
    const publisherDlq = props.observability.deadLetterQueue(
      this,
      'PublisherDlq',
      'Outbox publisher',
      'publish-domain-events-stream',
    );
    this.publisher.addEventSource(
      new DynamoEventSource(props.data.tables.profiles, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // 100 commits per call keeps invocations (and cost) per event low; a 1 s window bounds the
        // delay a journey trigger waits for.
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        // Retried until EventBridge accepts (retries unbounded), from the first unpublished record,
        // never bisected (that would publish later commits before earlier ones). Records older
        // than 23 h go to the dead-letter queue an hour before the 24 h stream retention trims them,
        // so an operator can still read them from the stream (docs/operations.md#outbox).
        bisectBatchOnError: false,
        maxRecordAge: Duration.hours(23),
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new SqsDlq(publisherDlq),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: { NewImage: { outbox: { S: lambda.FilterRule.exists() } } },
          }),
        ],
      }),
    );
    props.observability.alarm(
      this,
      'PublisherErrors',
      this.publisher.metricErrors({ period: Duration.minutes(5) }),
      0,
      'Outbox publisher: invocation errors',
    );
    // A stuck shard shows as a growing iterator age: domain events are waiting, not lost (yet).
    props.observability.alarm(
      this,
      'PublisherIteratorAge',
      this.publisher.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      15 * 60 * 1000,
      'Outbox publisher: oldest unpublished commit older than 15 minutes',
    );
    // The mapping's on-failure destination is encrypted with the data key: sending to it needs these.
    const reason =
      'CDK grants kms:GenerateDataKey* and kms:ReEncrypt* on the one data key only, for sending to the publisher’s encrypted dead-letter queue.';
    Validations.of(this.publisher.role!).acknowledge(
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
    );
    props.observability.acknowledgeDeadLetterQueue(
      publisherDlq,
      'dead-letter destination of the outbox publisher’s stream mapping',
    );
  }
}
