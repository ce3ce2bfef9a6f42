import { Duration } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ProfilesConfig } from '../../shared/config/profiles.js';
import type { Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

export interface AdminProps {
  readonly api: Api;
  readonly data: Data;
  readonly logRetentionDays: logs.RetentionDays;
  readonly retentionDays: number;
  /** The projector's profiles configuration: lookups normalise identifiers the same way. */
  readonly profilesConfig: ProfilesConfig;
}

/** Admin: read access for operators to stored events and the quarantine. */
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
      },
      logRetentionDays: props.logRetentionDays,
    });
    // Read for lookups and reports; write for erasure (events, profiles) and its audit record (control).
    props.data.bind(this.fn, 'events', 'rw');
    props.data.bind(this.fn, 'control', 'rw');
    props.data.bind(this.fn, 'profiles', 'rw');
    // Erasure reaches the later layers' items that name the person.
    props.data.bind(this.fn, 'messages', 'rw');
    props.data.bind(this.fn, 'journeys', 'rw');
    const integration = new HttpLambdaIntegration('Admin', this.fn);
    props.api.addAdminRoutesOf('admin', integration);
  }
}
