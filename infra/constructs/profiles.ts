import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ProfilesConfig } from '../../shared/config/profiles.js';
import type { Bus } from './bus.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

export interface ProfilesProps {
  readonly data: Data;
  readonly bus: Bus;
  readonly observability: Observability;
  readonly config: ProfilesConfig;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Profiles: the projector that turns the events table's stream into unified, consented profiles
 * and publishes the domain events journeys and scoring subscribe to.
 */
export class Profiles extends Construct {
  readonly projector: FeltfitFunction;

  constructor(scope: Construct, id: string, props: ProfilesProps) {
    super(scope, id);
    this.projector = new FeltfitFunction(this, 'Projector', {
      name: 'project-profile',
      description: 'Projects stored events into profiles, identities, consent and features',
      logRetentionDays: props.logRetentionDays,
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: { PROFILES_CONFIG: JSON.stringify(props.config) },
    });
    // Read events; delete the raw events of erased people (tombstones).
    props.data.bind(this.projector, 'events', 'rw');
    props.data.bind(this.projector, 'profiles', 'rw');
    props.bus.bind(this.projector);

    const dlq = props.observability.deadLetterQueue(this, 'ProjectorDlq', 'Profile projector');
    this.projector.addEventSource(
      new DynamoEventSource(props.data.tables.events, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'MODIFY') })],
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
  }
}
