import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_BANNER, BUNDLE_EXTERNALS, BUNDLE_MAIN_FIELDS, BUNDLE_TARGET } from './bundling.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The Node.js runtime every Feltfit function runs on: the newest the CDK offers. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface FeltfitFunctionProps {
  /** Folder under functions/ holding `handler.ts`. */
  readonly name: string;
  readonly description: string;
  readonly logRetentionDays: logs.RetentionDays;
  readonly environment?: Record<string, string>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  /** Adds the AWS Parameters and Secrets extension, so the function reads secrets over localhost. */
  readonly secretsExtension?: boolean;
}

/**
 * A Lambda function with Feltfit's defaults: newest Node.js, arm64, ESM bundle built by the local
 * esbuild (no Docker), X-Ray tracing, JSON logs in a log group with retention, and a role that holds
 * only what is granted to it (no AWS managed policies).
 */
export class FeltfitFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FeltfitFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    super(scope, id, {
      entry: `${repoRoot}functions/${props.name}/handler.ts`,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      ...(props.secretsExtension
        ? {
            paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(
              lambda.ParamsAndSecretsVersions.V1_0_103,
            ),
          }
        : {}),
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `feltfit-${props.name}`,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // The options in ./bundling.ts, which the bundle-size test and bench build with too.
        target: BUNDLE_TARGET,
        minify: true,
        logLevel: LogLevel.ERROR,
        sourceMap: true,
        sourcesContent: false,
        mainFields: [...BUNDLE_MAIN_FIELDS],
        externalModules: [...BUNDLE_EXTERNALS],
        banner: BUNDLE_BANNER,
      },
    });
    // Logs only to its own log group (the managed AWSLambdaBasicExecutionRole allows any group).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );
    const logGroupId = Stack.of(this).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup);
    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
        reason: 'Log streams are created by Lambda with generated names inside the function’s own log group.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (tracing only).',
      },
    );
  }

  /** Acknowledges the KMS action wildcards that CDK's table write grants emit for this function. */
  acknowledgeKmsGrantWildcards(): void {
    const reason =
      'CDK grants kms:GenerateDataKey* and kms:ReEncrypt* on the one data key only, as DynamoDB needs them to write items encrypted with a customer-managed key.';
    Validations.of(this.role!).acknowledge(
      { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
      { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
    );
  }
}
