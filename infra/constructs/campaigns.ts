import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ChannelsConfig } from '../../shared/config/channels.js';
import type { JourneysConfig } from '../../shared/config/journeys.js';
import type { ProfilesConfig } from '../../shared/config/profiles.js';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

export interface CampaignsProps {
  readonly api: Api;
  readonly data: Data;
  readonly journeys: JourneysConfig;
  /** The send function's settings: the estimate judges caps and quiet hours as send does. */
  readonly channels: ChannelsConfig;
  readonly profiles: ProfilesConfig;
  /** The `feltfit-campaign-run` state machine (Journeys.campaignRun). */
  readonly campaignRun: sfn.StateMachine;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * The console's audiences and campaign-run routes (owner `campaigns`): previews audiences over the
 * profiles, keeps saved audiences and run records, estimates skips with the send rules, starts the
 * campaign-run state machine and reads a run's progress (assignments, the send ledger).
 */
export class Campaigns extends Construct {
  readonly fn: FeltfitFunction;

  constructor(scope: Construct, id: string, props: CampaignsProps) {
    super(scope, id);
    this.fn = new FeltfitFunction(this, 'Function', {
      name: 'campaigns',
      description:
        'Console API: audience previews and saved audiences, campaign estimates, launches and progress',
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: {
        JOURNEYS_CONFIG: JSON.stringify(props.journeys),
        CHANNELS_CONFIG: JSON.stringify(props.channels),
        PROFILES_CONFIG: JSON.stringify(props.profiles),
        CAMPAIGN_STATE_MACHINE_ARN: props.campaignRun.stateMachineArn,
      },
      logRetentionDays: props.logRetentionDays,
      secretsExtension: true,
    });
    // Profiles for previews and estimates (and contact data to hash for the suppression check).
    props.data.bind(this.fn, 'profiles', 'r');
    props.data.bindHashKey(this.fn);
    // Saved audiences and run records are written; assignments and run members are read.
    props.data.bind(this.fn, 'journeys', 'rw');
    // Suppressions, contact pressure and the send ledger.
    props.data.bind(this.fn, 'messages', 'r');
    // Approved variants (the content check of a launch).
    props.data.bind(this.fn, 'content', 'r');
    props.campaignRun.grantStartExecution(this.fn);

    const stack = Stack.of(this);
    const execution = (machine: string) =>
      `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${machine}:*`;
    // A run's own execution, and the executions of the campaign journeys it starts (progress).
    const campaignJourneys = props.journeys.journeys
      .filter((j) => j.enabled && j.trigger.kind === 'campaign')
      .map((j) => `feltfit-${j.id}`);
    // Journeys name each state machine `feltfit-<id>`, and the campaign run `feltfit-campaign-run`.
    const machines = ['feltfit-campaign-run', ...campaignJourneys];
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: machines.map(execution) }),
    );
    Validations.of(this.fn.role!).acknowledge(
      ...machines.map((m) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${m}:*]`,
        reason:
          'Reading the executions of the campaign-run state machine and of the campaign journeys a run starts: an execution ARN is its machine’s name and the execution’s name (the run id, or one derived from the run and the person).',
      })),
    );
    props.api.addAdminRoutesOf('campaigns', new HttpLambdaIntegration('Campaigns', this.fn, API_SCOPED));
  }
}
