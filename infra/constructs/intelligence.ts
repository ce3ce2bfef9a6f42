import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ModelsConfig } from '../../shared/config/models.js';
import {
  TRAINING_REQUEST_DETAIL_TYPE,
  TRAINING_REQUEST_SOURCE,
} from '../../shared/domain/models/training-request.js';
import { API_SCOPED, type Api } from './api.js';
import type { Bus } from './bus.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

export interface IntelligenceProps {
  /** The admin API: the model inventory, cards and "train now" (owner `models`); absent, none. */
  readonly api?: Api;
  readonly data: Data;
  readonly bus: Bus;
  readonly observability: Observability;
  readonly config: ModelsConfig;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Intelligence: the trainer (weekly and on demand) that registers and promotes model versions, and
 * the scorer that keeps scores on profiles (on ProfileUpdated, debounced, and nightly in pages).
 */
export class Intelligence extends Construct {
  constructor(scope: Construct, id: string, props: IntelligenceProps) {
    super(scope, id);
    const env = { MODELS_CONFIG: JSON.stringify(props.config) };
    const trainer = new FeltfitFunction(this, 'Trainer', {
      name: 'train-models',
      description: 'Fits CLV and propensity, evaluates gates and fairness, registers and promotes',
      logRetentionDays: props.logRetentionDays,
      environment: env,
      memorySize: 2048,
      timeout: Duration.minutes(15),
    });
    props.data.bind(trainer, 'models', 'rw');
    props.data.bind(trainer, 'profiles', 'r');

    const scorer = new FeltfitFunction(this, 'Scorer', {
      name: 'score-profiles',
      description: 'Scores profiles with the promoted models and emits ScoresChanged on band changes',
      logRetentionDays: props.logRetentionDays,
      environment: env,
      memorySize: 1024,
      timeout: Duration.minutes(5),
    });
    props.data.bind(scorer, 'models', 'r');
    props.data.bind(scorer, 'profiles', 'rw');
    props.bus.bind(scorer);
    // Training runs up to 15 minutes and the gates decide promotion: one retry, within six hours.
    props.observability.asyncFailureQueue(trainer, {
      retryAttempts: 1,
      maxEventAge: Duration.hours(6),
    });
    // Rescoring a changed profile is worth little after an hour: the nightly batch scores it anyway.
    props.observability.asyncFailureQueue(scorer, {
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });

    const dlq = props.observability.deadLetterQueue(
      this,
      'Dlq',
      'Trainer and scorer triggers',
      'intelligence-rules',
    );
    props.observability.acknowledgeDeadLetterQueue(
      dlq,
      'dead-letter queue of the scoring and training rules and the schedules',
    );
    new events.Rule(this, 'ScoreOnProfileUpdated', {
      eventBus: props.bus.bus,
      description: 'Rescores profiles when they change (the scorer debounces)',
      // The outbox publisher groups a stream batch's ProfileUpdated events into ProfilesUpdated
      // entries (EventBridge bills per entry); a single ProfileUpdated is still accepted.
      eventPattern: { source: ['feltfit.profiles'], detailType: ['ProfilesUpdated', 'ProfileUpdated'] },
      targets: [
        new targets.LambdaFunction(scorer, {
          deadLetterQueue: dlq,
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    new events.Rule(this, 'RetrainOnDrift', {
      eventBus: props.bus.bus,
      description: 'Retrains when measurement finds drift on realised outcomes (gates decide promotion)',
      eventPattern: { source: ['feltfit.measurement'], detailType: ['ModelDriftDetected'] },
      targets: [new targets.LambdaFunction(trainer, { deadLetterQueue: dlq, retryAttempts: 2 })],
    });
    // "Train now" (`feltfit models train`, the admin API): the detail's optional `model` narrows the run.
    new events.Rule(this, 'TrainOnRequest', {
      eventBus: props.bus.bus,
      description: 'Trains on an operator’s request (gates still decide promotion)',
      eventPattern: { source: [TRAINING_REQUEST_SOURCE], detailType: [TRAINING_REQUEST_DETAIL_TYPE] },
      targets: [new targets.LambdaFunction(trainer, { deadLetterQueue: dlq, retryAttempts: 2 })],
    });
    if (props.api) {
      // The console's and CLI's window on the registry: reads versions, puts "train now" on the bus.
      const admin = new FeltfitFunction(this, 'Admin', {
        name: 'models-admin',
        description: 'Model inventory and cards, and train-now requests (admin API)',
        logRetentionDays: props.logRetentionDays,
        timeout: Duration.seconds(15),
      });
      props.data.bind(admin, 'models', 'r');
      props.bus.bind(admin);
      props.api.addAdminRoutesOf('models', new HttpLambdaIntegration('ModelsAdmin', admin, API_SCOPED));
    }
    const schedulesRole = props.observability.schedulesRole();
    new scheduler.Schedule(this, 'WeeklyTraining', {
      description: 'Weekly model training',
      schedule: scheduler.ScheduleExpression.cron({ weekDay: 'SUN', hour: '3', minute: '0' }),
      target: new schedulerTargets.LambdaInvoke(trainer, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        role: schedulesRole,
        deadLetterQueue: dlq,
        retryAttempts: 2,
      }),
    });
    new scheduler.Schedule(this, 'NightlyScoring', {
      description: 'Nightly batch scoring (first page; the scorer returns a cursor for the rest)',
      schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
      target: new schedulerTargets.LambdaInvoke(scorer, {
        input: scheduler.ScheduleTargetInput.fromObject({ mode: 'batch' }),
        role: schedulesRole,
        deadLetterQueue: dlq,
        retryAttempts: 2,
      }),
    });
    // The schedules' role invokes the two functions, any version: the grant's `:*`.
    const stack = Stack.of(this);
    Validations.of(stack).acknowledge(
      ...[trainer, scorer].map((f) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(f.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'The schedules’ role may invoke only the trainer and scorer (any version or alias of them).',
      })),
    );
  }
}
