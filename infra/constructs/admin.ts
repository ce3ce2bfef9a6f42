import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

/** Admin API paths (GET), IAM-authorized. */
export const ADMIN_PATHS = ['/admin/events', '/admin/quarantine'] as const;

export interface AdminProps {
  readonly api: Api;
  readonly data: Data;
  readonly logRetentionDays: logs.RetentionDays;
}

/** Admin: read access for operators to stored events and the quarantine. */
export class Admin extends Construct {
  readonly fn: FeltfitFunction;

  constructor(scope: Construct, id: string, props: AdminProps) {
    super(scope, id);
    this.fn = new FeltfitFunction(this, 'Function', {
      name: 'admin',
      description: 'Operator API: events by person, quarantine',
      logRetentionDays: props.logRetentionDays,
    });
    props.data.bind(this.fn, 'events', 'r');
    props.data.bind(this.fn, 'control', 'r');
    props.api.addAdminRoutes(ADMIN_PATHS, apigw.HttpMethod.GET, new HttpLambdaIntegration('Admin', this.fn));
  }
}
