import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FeltfitConfig } from '../shared/config/schema.js';
import { Admin } from './constructs/admin.js';
import { Api } from './constructs/api.js';
import { Bus } from './constructs/bus.js';
import { Campaigns } from './constructs/campaigns.js';
import { Channels } from './constructs/channels.js';
import { Console } from './constructs/console.js';
import { Content } from './constructs/content.js';
import { Data } from './constructs/data.js';
import { Ingest } from './constructs/ingest.js';
import { Intelligence } from './constructs/intelligence.js';
import { Journeys } from './constructs/journeys.js';
import { JourneysAdmin } from './constructs/journeys-admin.js';
import { Measurement } from './constructs/measurement.js';
import { Observability } from './constructs/observability.js';
import { Privacy } from './constructs/privacy.js';
import { Profiles } from './constructs/profiles.js';

export interface FeltfitStackProps extends StackProps {
  readonly config: FeltfitConfig;
}

/** The whole platform in one stack: one construct per bounded context. */
export class FeltfitStack extends Stack {
  constructor(scope: Construct, id: string, props: FeltfitStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetentionDays = config.logRetentionDays as logs.RetentionDays;

    const data = new Data(this, 'Data', { deletionProtection: config.deletionProtection });
    const bus = new Bus(this, 'Bus', { archiveRetentionDays: config.busArchiveRetentionDays });
    const observability = new Observability(this, 'Observability', { key: data.key });
    const api = new Api(this, 'Api', { ingest: config.ingest, logRetentionDays });
    // Before any context adds admin routes: each gets its console twin under /api with this authorizer.
    const marketerConsole = new Console(this, 'Console', {
      api,
      config: config.console,
      logRetentionDays,
      deletionProtection: config.deletionProtection,
    });
    api.useConsoleAuthorizer(marketerConsole.authorizer);
    new Ingest(this, 'Ingest', {
      api,
      data,
      observability,
      retentionDays: config.retentionDays,
      logRetentionDays,
    });
    const admin = new Admin(this, 'Admin', {
      api,
      data,
      logRetentionDays,
      retentionDays: config.retentionDays,
      profilesConfig: config.profiles,
      journeys: config.journeys,
      measurement: config.measurement,
      userPool: marketerConsole.userPool,
    });
    // Erasure and export run as jobs the admin function starts.
    new Privacy(this, 'Privacy', {
      data,
      observability,
      logRetentionDays,
      profilesConfig: config.profiles,
    }).grantStart(admin.fn);
    new Profiles(this, 'Profiles', { data, bus, observability, config: config.profiles, logRetentionDays });
    const channels = new Channels(this, 'Channels', {
      api,
      data,
      observability,
      config: config.channels,
      logRetentionDays,
      retentionDays: config.retentionDays,
    });
    new Intelligence(this, 'Intelligence', {
      api,
      data,
      bus,
      observability,
      config: config.models,
      logRetentionDays,
    });
    new Content(this, 'Content', {
      api,
      data,
      config: config.content,
      channels: config.channels,
      ...(config.bedrockModelId ? { bedrockModelId: config.bedrockModelId } : {}),
      logRetentionDays,
    });
    const journeys = new Journeys(this, 'Journeys', {
      data,
      bus,
      observability,
      send: channels.send,
      config: config.journeys,
      fairnessCohortTraits: config.measurement.fairness.cohortTraits,
      logRetentionDays,
    });
    admin.readJourneys(journeys.stateMachines);
    new Campaigns(this, 'Campaigns', {
      api,
      data,
      journeys: config.journeys,
      channels: config.channels,
      profiles: config.profiles,
      campaignRun: journeys.campaignRun,
      logRetentionDays,
    });
    new JourneysAdmin(this, 'JourneysAdmin', {
      api,
      data,
      config: config.journeys,
      stateMachines: journeys.stateMachines,
      logRetentionDays,
    });

    new Measurement(this, 'Measurement', {
      api,
      data,
      bus,
      observability,
      journeys: config.journeys,
      config: config.measurement,
      logRetentionDays,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: api.httpApi.apiEndpoint,
      description: 'Tracking and admin API base URL',
    });
    new CfnOutput(this, 'ControlTableName', {
      value: data.tables.control.tableName,
      description: 'Set FELTFIT_CONTROL_TABLE to this for `npx feltfit sources …`',
    });
    new CfnOutput(this, 'EventBusName', { value: bus.bus.eventBusName });
    new CfnOutput(this, 'ConsoleUrl', {
      value: marketerConsole.url,
      description: 'The marketer console (sign in with an account an admin created)',
    });
    new CfnOutput(this, 'UserPoolId', {
      value: marketerConsole.userPool.userPoolId,
      description: 'Cognito user pool of console users: `aws cognito-idp admin-create-user --user-pool-id …`',
    });
  }
}
