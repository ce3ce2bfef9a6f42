import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { JourneysConfig } from '../../shared/config/journeys.js';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

export interface JourneysAdminProps {
  readonly api: Api;
  readonly data: Data;
  readonly config: JourneysConfig;
  /** The journeys' state machines by journey id (Journeys.stateMachines). */
  readonly stateMachines: Readonly<Record<string, sfn.StateMachine>>;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * The console's journeys and messages routes (owner `journeys`): reads the journeys' state machines
 * and executions, the entry counters and the delivery log, and writes only the pause flags.
 */
export class JourneysAdmin extends Construct {
  readonly fn: FeltfitFunction;

  constructor(scope: Construct, id: string, props: JourneysAdminProps) {
    super(scope, id);
    this.fn = new FeltfitFunction(this, 'Function', {
      name: 'journeys-admin',
      description: 'Console API: journeys with counts and graphs, pause and resume, the delivery log',
      timeout: Duration.seconds(29),
      environment: {
        JOURNEYS_CONFIG: JSON.stringify(props.config),
        JOURNEY_STATE_MACHINES: JSON.stringify(
          Object.fromEntries(Object.entries(props.stateMachines).map(([k, v]) => [k, v.stateMachineArn])),
        ),
      },
      logRetentionDays: props.logRetentionDays,
    });
    // Counters, assignments and exposures are read; the pause flag and its audit item are written.
    props.data.bind(this.fn, 'journeys', 'rw');
    props.data.bind(this.fn, 'messages', 'r');
    const machines = Object.values(props.stateMachines);
    if (machines.length > 0) {
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeStateMachine', 'states:ListExecutions'],
          resources: machines.map((m) => m.stateMachineArn),
        }),
      );
      const stack = Stack.of(this);
      // Journey state machines are named `feltfit-<journey id>` (Journeys), so their executions are too.
      const ids = Object.keys(props.stateMachines);
      const executionArns = ids.map(
        (id) => `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:feltfit-${id}:*`,
      );
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
          resources: executionArns,
        }),
      );
      Validations.of(this.fn.role!).acknowledge(
        ...ids.map((id) => ({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:feltfit-${id}:*]`,
          reason:
            'Reading the executions of a journey’s own state machine: an execution’s ARN is the machine’s name and the execution’s generated name.',
        })),
      );
    }
    props.api.addAdminRoutesOf('journeys', new HttpLambdaIntegration('JourneysAdmin', this.fn, API_SCOPED));
  }
}
