import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { IngestConfig } from '../../shared/config/schema.js';

export interface ApiProps {
  readonly ingest: import('zod').infer<typeof IngestConfig>;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * The public HTTPS endpoint: one HTTP API whose default stage is throttled and access-logged.
 * Contexts add their routes with `addPublicRoutes` (authenticated by the handler, e.g. write keys)
 * or `addAdminRoutes` (IAM-authorized; a bearer token in the local runtime).
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  private readonly iam = new HttpIamAuthorizer();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: 'feltfit',
      description: 'Feltfit: Segment-compatible tracking API and admin API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: props.ingest.corsAllowOrigins,
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type', 'content-encoding'],
        maxAge: undefined,
      },
    });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.ingest.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // No source IP or user agent: they are personal data and not needed to operate the API.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            time: AccessLogField.contextRequestTime(),
            routeKey: AccessLogField.contextRouteKey(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            integrationError: AccessLogField.contextIntegrationErrorMessage(),
          }),
        ),
      },
    });
  }

  /**
   * Routes reachable from the internet without an API Gateway authorizer; `authReason` says how the
   * integration authenticates callers itself (recorded as the cdk-nag acknowledgement).
   */
  addPublicRoutes(
    paths: readonly string[],
    method: apigw.HttpMethod,
    integration: apigw.HttpRouteIntegration,
    authReason: string,
  ): void {
    for (const path of paths) {
      for (const route of this.httpApi.addRoutes({ path, methods: [method], integration })) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: authReason });
      }
    }
  }

  /** Operator routes: IAM (SigV4) in AWS; the local runtime requires its admin bearer token. */
  addAdminRoutes(
    paths: readonly string[],
    method: apigw.HttpMethod,
    integration: apigw.HttpRouteIntegration,
  ): void {
    for (const path of paths)
      this.httpApi.addRoutes({ path, methods: [method], integration, authorizer: this.iam });
  }
}
