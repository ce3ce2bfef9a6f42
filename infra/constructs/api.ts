import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, type HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type RouteOwner, routesOf } from '../../shared/api/contract.js';
import type { IngestConfig } from '../../shared/config/schema.js';

export interface ApiProps {
  readonly ingest: import('zod').infer<typeof IngestConfig>;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * The public HTTPS endpoint: one HTTP API whose default stage is throttled and access-logged.
 * Contexts add their routes with `addPublicRoutes` (authenticated by the handler, e.g. write keys)
 * or `addAdminRoutesOf` (IAM-authorized for the CLI, and the same routes under `/api` for the console
 * with its Cognito JWT authorizer; a bearer token in the local runtime).
 */
/**
 * Integration options for every function behind the API: one invoke permission from this API (its
 * execute-api ARN, any stage and route) instead of one per route (each route and its console twin
 * would add two of CloudFormation's 500 resources per stack). API Gateway still sends a function
 * only the routes integrated with it, and its router answers only its own.
 */
export const API_SCOPED = { scopePermissionToRoute: false } as const;

export class Api extends Construct {
  /** Prefix of the console's twin of each admin route (CloudFront's `/api/*` behaviour forwards it). */
  static readonly CONSOLE_PREFIX = '/api';
  readonly httpApi: apigw.HttpApi;
  private readonly iam = new HttpIamAuthorizer();
  private consoleAuthorizer?: HttpJwtAuthorizer;
  private adminRoutesAdded = false;

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
      // Every route's token bucket (DefaultRouteSettings). Lambda does not queue a synchronous Invoke:
      // past the function's concurrency API Gateway answers 500, so the stage must answer 429 first —
      // burst + rate × a request's duration stays within the concurrency ingest can get (the
      // defaults' reasoning and limits: docs/operations.md#overload-429-and-503-never-another-5xx).
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

  /**
   * The console's JWT authorizer (Cognito). Set before any `addAdminRoutes`, so that every admin route
   * gets its console twin: the authorizer depends only on the user pool and its client, never on
   * routes, so the stack stays acyclic (routes → authorizer → client → distribution → API).
   */
  useConsoleAuthorizer(authorizer: HttpJwtAuthorizer): void {
    if (this.adminRoutesAdded)
      throw new Error('Api.useConsoleAuthorizer must be called before any addAdminRoutes');
    this.consoleAuthorizer = authorizer;
  }

  /**
   * Every route of the admin API's one route list (shared/api/contract.ts) that `owner` serves, for
   * both callers: `/admin/...` with IAM (SigV4, the CLI) and, once the console's authorizer is set,
   * `/api/admin/...` with its JWT authorizer (the console through CloudFront). Both reach the same
   * integration with the same event shape; a JWT route's caller is in
   * `requestContext.authorizer.jwt.claims`. Locally the IAM routes take the admin bearer token and the
   * console routes a console session (infra/local/console.ts). The route list is the only way in, so
   * no admin route can skip its role check.
   */
  addAdminRoutesOf(owner: RouteOwner, integration: apigw.HttpRouteIntegration): void {
    for (const [, spec] of routesOf(owner))
      this.addAdminRoutes([spec.path], apigw.HttpMethod[spec.method], integration);
  }

  private addAdminRoutes(
    paths: readonly string[],
    method: apigw.HttpMethod,
    integration: apigw.HttpRouteIntegration,
  ): void {
    this.adminRoutesAdded = true;
    for (const path of paths) {
      this.httpApi.addRoutes({ path, methods: [method], integration, authorizer: this.iam });
      if (this.consoleAuthorizer)
        this.httpApi.addRoutes({
          path: `${Api.CONSOLE_PREFIX}${path}`,
          methods: [method],
          integration,
          authorizer: this.consoleAuthorizer,
        });
    }
  }
}
