import { Aws, Duration, Validations } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { JourneysConfig } from '../../shared/config/journeys.js';
import type { MeasurementConfig } from '../../shared/config/measurement.js';
import type { ProfilesConfig } from '../../shared/config/profiles.js';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

export interface AdminProps {
  readonly api: Api;
  readonly data: Data;
  readonly logRetentionDays: logs.RetentionDays;
  readonly retentionDays: number;
  /** The projector's profiles configuration: lookups normalise identifiers the same way. */
  readonly profilesConfig: ProfilesConfig;
  /** The journeys and measurement configuration: the overview's report and content check. */
  readonly journeys: JourneysConfig;
  readonly measurement: MeasurementConfig;
  /** The console's user pool: the Settings page lists its users by role group. */
  readonly userPool?: cognito.IUserPool;
}

/**
 * Admin: operators' and the console's reads (events, quarantine, data quality, profiles, the overview,
 * a person's activity), privacy operations, and sources.
 */
export class Admin extends Construct {
  readonly fn: FeltfitFunction;

  constructor(scope: Construct, id: string, props: AdminProps) {
    super(scope, id);
    this.fn = new FeltfitFunction(this, 'Function', {
      name: 'admin',
      description: 'Operator API: events, quarantine, data quality, profile lookup, export and erasure',
      timeout: Duration.seconds(29),
      environment: {
        RETENTION_DAYS: String(props.retentionDays),
        PROFILES_CONFIG: JSON.stringify(props.profilesConfig),
        JOURNEYS_CONFIG: JSON.stringify(props.journeys),
        MEASUREMENT_CONFIG: JSON.stringify(props.measurement),
        ...(props.userPool ? { CONSOLE_USER_POOL_ID: props.userPool.userPoolId } : {}),
      },
      logRetentionDays: props.logRetentionDays,
      secretsExtension: true,
    });
    // Lookups by identifier and a person's event partitions hash with the projector's key.
    props.data.bindHashKey(this.fn);
    // Synced audiences' counts draw the holdout as the sync does.
    props.data.bindAudienceHoldoutKey(this.fn);
    // Read for lookups and reports; write for erasure (events, profiles) and its audit record (control).
    props.data.bind(this.fn, 'events', 'rw');
    props.data.bind(this.fn, 'control', 'rw');
    props.data.bind(this.fn, 'profiles', 'rw');
    // Erasure reaches the later layers' items that name the person.
    props.data.bind(this.fn, 'messages', 'rw');
    props.data.bind(this.fn, 'journeys', 'rw');
    // The overview: approved content per journey step, and the model monitor's latest evaluation.
    props.data.bind(this.fn, 'content', 'r');
    props.data.bind(this.fn, 'models', 'r');
    // Settings lists the console's users by role group; nothing else of the pool is readable.
    if (props.userPool) {
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['cognito-idp:ListUsersInGroup'],
          resources: [props.userPool.userPoolArn],
        }),
      );
    }
    const integration = new HttpLambdaIntegration('Admin', this.fn, API_SCOPED);
    props.api.addAdminRoutesOf('admin', integration);
  }

  /**
   * Reads the journeys' executions: a person's executions and the step each is at, and running
   * counts for the overview. Read-only: no start, stop or task-token permission.
   */
  readJourneys(stateMachines: Readonly<Record<string, sfn.StateMachine>>): void {
    const machines = Object.entries(stateMachines);
    if (machines.length === 0) return;
    this.fn.addEnvironment(
      'JOURNEY_STATE_MACHINES',
      JSON.stringify(Object.fromEntries(machines.map(([id, sm]) => [id, sm.stateMachineArn]))),
    );
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:ListExecutions'],
        resources: machines.map(([, sm]) => sm.stateMachineArn),
      }),
    );
    // Journeys name each state machine `feltfit-<journey id>` (infra/constructs/journeys.ts).
    const execution = (id: string) =>
      `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:feltfit-${id}:*`;
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: machines.map(([id]) => execution(id)),
      }),
    );
    Validations.of(this.fn.role!).acknowledge(
      ...machines.map(([id]) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:feltfit-${id}:*]`,
        reason:
          'A person’s journey executions, read for the console: an execution ARN is its machine’s name and the execution’s name, derived from the person and the trigger.',
      })),
    );
  }
}
