import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { ProfilesConfig } from '../../shared/config/profiles.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';
import type { Observability } from './observability.js';

export interface PrivacyProps {
  readonly data: Data;
  readonly observability: Observability;
  readonly logRetentionDays: logs.RetentionDays;
  /** The projector's profiles configuration: identifiers are normalised the same way. */
  readonly profilesConfig: ProfilesConfig;
}

/**
 * Privacy jobs: the `feltfit-privacy-job` state machine runs an erasure or an export one step (one
 * holder) at a time — Step → done? → Step … — so no step is bounded by the size of the account, and
 * a step that fails is retried alone. The admin function starts it (docs/privacy.md §4).
 */
export class Privacy extends Construct {
  readonly fn: FeltfitFunction;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PrivacyProps) {
    super(scope, id);
    this.fn = new FeltfitFunction(this, 'Function', {
      name: 'privacy-job',
      description: 'Privacy jobs: one step of an erasure or an export (one holder table)',
      // A step erases or exports one holder's part of one person: generous, but bounded.
      timeout: Duration.minutes(5),
      environment: { PROFILES_CONFIG: JSON.stringify(props.profilesConfig) },
      logRetentionDays: props.logRetentionDays,
      secretsExtension: true,
    });
    props.data.bindHashKey(this.fn);
    // Erasure deletes from every table naming the person; the job and export parts live in control.
    for (const table of ['events', 'control', 'profiles', 'messages', 'journeys'] as const)
      props.data.bind(this.fn, table, 'rw');

    const input = {
      jobId: sfn.JsonPath.stringAt('$.jobId'),
      attempt: sfn.JsonPath.numberAt('$.attempt'),
    };
    const step = new tasks.LambdaInvoke(this, 'Step', {
      lambdaFunction: this.fn,
      payload: sfn.TaskInput.fromObject({ action: 'step', ...input }),
      resultSelector: { 'done.$': '$.Payload.done', 'status.$': '$.Payload.status' },
      resultPath: '$.step',
      retryOnServiceExceptions: true,
    });
    step.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(2),
      maxAttempts: 4,
      backoffRate: 2,
    });
    const fail = new tasks.LambdaInvoke(this, 'MarkFailed', {
      lambdaFunction: this.fn,
      payload: sfn.TaskInput.fromObject({
        action: 'fail',
        ...input,
        error: sfn.JsonPath.stringAt('$.error.Error'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    fail.next(new sfn.Fail(this, 'Failed', { error: 'PrivacyJobFailed' }));
    step.addCatch(fail, { errors: ['States.ALL'], resultPath: '$.error' });
    const more = new sfn.Choice(this, 'IsDone')
      .when(sfn.Condition.booleanEquals('$.step.done', true), new sfn.Succeed(this, 'Finished'))
      .otherwise(step);
    step.next(more);

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'PrivacyJobMachine', {
      stateMachineName: 'feltfit-privacy-job',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(step),
      tracingEnabled: true,
      // No execution data in the logs: the input names a job, the outputs are statuses, but keep it so.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // A job that failed after its retries is marked failed, but someone must look (and start attempt 2).
    props.observability.alarmOnFailedExecutions(
      this,
      'FailedExecutions',
      [this.stateMachine],
      'Privacy jobs',
    );
    const stack = Stack.of(this);
    Validations.of(this.stateMachine.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason:
          'Invoking the privacy-job function, any version or alias of it (lambda:InvokeFunction grant).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
      },
    );
  }

  /** Lets a function start privacy jobs and hands it the state machine's ARN. */
  grantStart(fn: FeltfitFunction): void {
    this.stateMachine.grantStartExecution(fn);
    fn.addEnvironment('PRIVACY_JOB_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
  }
}
