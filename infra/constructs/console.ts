import { join } from 'node:path';
import { Aws, CfnResource, Duration, Fn, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { buildConsoleSync } from '../../console/build.js';
import type { ConsoleConfig } from '../../shared/config/console.js';
import { Api } from './api.js';

/** The console's roles, as Cognito groups (`cognito:groups` in the JWT); handlers check them. */
export const CONSOLE_GROUPS = [
  {
    name: 'admin',
    precedence: 0,
    description: 'Everything the other roles may, plus erasing people and managing write keys',
  },
  { name: 'reviewer', precedence: 10, description: 'Reads everything and approves or rejects content' },
  {
    name: 'marketer',
    precedence: 20,
    description: 'Reads everything, builds audiences and launches campaign runs',
  },
  { name: 'viewer', precedence: 30, description: 'Read-only: profiles, journeys, content and reports' },
] as const;

/**
 * Metadata key on the `Custom::CDKBucketDeployment` resource naming the console build's folder in the
 * cloud assembly (`asset.<hash>`), as `aws:asset:path` names a function's bundle: the local runtime
 * serves that folder.
 */
export const CONSOLE_ASSET_METADATA = 'feltfit:console:asset-path';

export interface ConsoleProps {
  readonly api: Api;
  readonly config: ConsoleConfig;
  readonly logRetentionDays: logs.RetentionDays;
  /** Retains the user pool (people's console accounts) on `cdk destroy` and blocks its deletion. */
  readonly deletionProtection: boolean;
}

/**
 * The marketer console in AWS: its static build in a private S3 bucket behind CloudFront (origin
 * access control, strict security headers, a viewer-request function for client-side routes), the
 * HTTP API under `/api/*` of the same origin, and sign-in with Cognito managed login (authorization
 * code grant with PKCE, a public client) whose tokens the API's JWT authorizer checks.
 */
export class Console extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** Checks the console's tokens on the `/api/admin/...` routes (issuer: the pool; audience: the client). */
  readonly authorizer: HttpJwtAuthorizer;
  /** The console build at synth time (what the deployment uploads). */
  readonly buildDir: string;
  /** The build as a directory asset: `asset.<assetHash>` in the cloud assembly, `<assetHash>.zip` in S3. */
  readonly asset: s3assets.Asset;
  readonly deployment: s3deploy.BucketDeployment;
  /** `https://<distribution domain>/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    // S3 server access logs delivered under a bucket policy (logging.s3.amazonaws.com), not the
    // legacy log-delivery ACL, so the log bucket can keep ACLs disabled. Set before any child exists.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const stack = Stack.of(this);

    // ---- Sign-in: Cognito user pool with managed login -------------------------------------------
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: 'feltfit-console',
      // Marketers are invited by an admin (admin-create-user); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: props.config.mfa === 'required' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      // TOTP only: SMS would need an SNS origination identity and is open to SIM swapping.
      mfaSecondFactor: { sms: false, otp: true },
      // Plus adds threat protection (compromised-credential and adaptive-risk checks). It is billed per
      // monthly active user, and the users here are the team itself, so it costs cents.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: 'Your Feltfit console account',
        emailBody:
          'You have been invited to the Feltfit console. Sign in with {username} and the temporary password {####} — you will choose your own at first sign-in.',
      },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const g of CONSOLE_GROUPS) {
      new cognito.CfnUserPoolGroup(this, `Group-${g.name}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: g.name,
        description: g.description,
        precedence: g.precedence,
      });
    }
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: {
        // Unique per region across AWS: the account id makes the derived prefix unique and stable.
        domainPrefix: props.config.domainPrefix ?? `${stack.stackName.toLowerCase()}-${Aws.ACCOUNT_ID}`,
      },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const cognitoOrigin = this.domain.baseUrl();

    // ---- Files: private bucket, access-logged ----------------------------------------------------
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays) }],
      // An audit trail: kept on `cdk destroy` (CloudFormation cannot delete a non-empty bucket anyway).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'console-bucket/',
      // Only build artefacts, rebuilt at every synth: the deployment empties it on delete.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // ---- Delivery: CloudFront ----------------------------------------------------------------------
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Feltfit console: strict security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentSecurityPolicy: {
          // Same-origin code only; the token exchange (PKCE) posts to the managed-login domain, and
          // sign-in and sign-out navigate to it.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            `connect-src 'self' ${cognitoOrigin}`,
            "frame-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            `form-action 'self' ${cognitoOrigin}`,
          ].join('; '),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });
    // Client-side routes (/journeys, /auth/callback) are the app's index.html. Done per request on the
    // default behaviour only: distribution-wide error responses would also turn API errors into HTML.
    const spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'Serves index.html for extension-less paths (client-side routes)',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  var last = request.uri.split('/').pop();",
          "  if (last.indexOf('.') === -1) request.uri = '/index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    // The API's host name: `https://<id>.execute-api.<region>.amazonaws.com` split on '/' → [https:, '', host].
    const apiDomain = Fn.select(2, Fn.split('/', props.api.httpApi.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Feltfit marketer console and its API',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(props.config.webAclArn ? { webAclId: props.config.webAclArn } : {}),
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: [
          { function: spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: {
        // The HTTP API on the console's own origin: no CORS, and the JWT goes in the Authorization
        // header, which CloudFront forwards because caching is disabled here.
        '/api/*': {
          origin: new origins.HttpOrigin(apiDomain, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // API Gateway rejects a Host header that is not its own.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}/`;

    // ---- The console's OAuth client --------------------------------------------------------------
    const redirectUrls = [this.url, `${this.url}auth/callback`];
    this.client = this.userPool.addClient('Client', {
      userPoolClientName: 'feltfit-console',
      // A browser app cannot keep a secret: a public client. Its authorization code is bound to the
      // browser by PKCE — Cognito has no switch to demand PKCE, but once /oauth2/authorize receives a
      // code_challenge, /oauth2/token issues tokens only for the matching code_verifier; the console
      // always sends an S256 challenge.
      generateSecret: false,
      // No password flows on the client: sign-in happens only in managed login (with its MFA and
      // threat protection); tokens are refreshed with the refresh token.
      authFlows: { user: false, userSrp: false, custom: false, adminUserPassword: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: redirectUrls,
        logoutUrls: redirectUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // A working day: a lost laptop's session ends by the next morning.
      refreshTokenValidity: Duration.hours(12),
    });
    new cognito.CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      // Cognito's default look; the newer managed login shows nothing for a client without branding.
      useCognitoProvidedValues: true,
    });
    this.authorizer = new HttpJwtAuthorizer(
      'Console',
      `https://cognito-idp.${stack.region}.amazonaws.com/${this.userPool.userPoolId}`,
      { authorizerName: 'console', jwtAudience: [this.client.userPoolClientId] },
    );

    // ---- The files and their runtime configuration --------------------------------------------------
    this.buildDir = buildConsoleSync(join(Stage.of(this)?.outdir ?? '.', 'console-build'));
    this.asset = new s3assets.Asset(this, 'Build', { path: this.buildDir });
    const deployLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deployRole = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the console build and config.json into the console bucket',
    });
    // Its own log group only (a role CDK created would get the managed AWSLambdaBasicExecutionRole).
    deployRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [deployLogs.logGroupArn, `${deployLogs.logGroupArn}:*`],
      }),
    );
    this.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.bucket(this.asset.bucket, this.asset.s3ObjectKey),
        // Written at deploy time: the values are only known once the pool and its client exist.
        s3deploy.Source.jsonData('config.json', {
          auth: {
            kind: 'cognito',
            domain: cognitoOrigin,
            clientId: this.client.userPoolClientId,
            region: stack.region,
            userPoolId: this.userPool.userPoolId,
          },
          apiBase: Api.CONSOLE_PREFIX,
        }),
      ],
      // index.html, config.json and the entry chunk keep their names: a new deploy invalidates them.
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // Empties the bucket on delete, so the bucket itself can be removed.
      retainOnDelete: false,
      memoryLimit: 512,
      role: deployRole,
      logGroup: deployLogs,
    });
    // The custom resource's id carries a suffix (memory limit, …): find it by type.
    const custom = this.deployment.node
      .findAll()
      .find(
        (c) => c instanceof CfnResource && c.cfnResourceType === 'Custom::CDKBucketDeployment',
      ) as CfnResource;
    custom.addMetadata(CONSOLE_ASSET_METADATA, `asset.${this.asset.assetHash}`);

    this.acknowledge(stack, deployRole, deployLogs, props.config);
  }

  /** The cdk-nag findings this construct accepts, each with its reason. */
  private acknowledge(stack: Stack, deployRole: iam.Role, deployLogs: logs.LogGroup, config: ConsoleConfig) {
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The console is for the team, wherever it works; who may use it is decided by Cognito sign-in and the API’s JWT authorizer, not by the viewer’s country.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'CloudFront standard logs record every viewer’s IP address and user agent, personal data Feltfit keeps out of its logs; the API behind /api/* keeps its own access log without them, and the bucket has server access logs.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses CloudFront’s default *.cloudfront.net certificate (no custom domain is configured), for which CloudFront fixes the viewer TLS policy; viewers are redirected to HTTPS and HSTS is sent.',
      },
      ...(config.webAclArn
        ? []
        : [
            {
              id: 'AwsSolutions-CFR2',
              reason:
                'WAF is opt-in (console.webAclArn) because a web ACL is billed monthly per ACL and rule: the distribution serves static files and an API that accepts only valid Cognito JWTs on throttled routes, and sign-in is Cognito’s managed login with threat protection.',
            },
          ]),
    );
    if (config.mfa !== 'required') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          'MFA (TOTP) is offered to every user and Plus-tier threat protection asks for a second factor on risky sign-ins; set console.mfa to "required" to make every user enrol at first sign-in.',
      });
    }
    // The provider is a singleton function at stack level, shared by every BucketDeployment.
    const deployFn = stack.node
      .findAll()
      .find(
        (c) =>
          c instanceof CfnResource &&
          c.cfnResourceType === 'AWS::Lambda::Function' &&
          c.node.path.includes('CDKBucketDeployment'),
      );
    if (deployFn)
      Validations.of(deployFn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'The BucketDeployment provider is CDK’s own Python function; its runtime is chosen by the CDK version, not here.',
      });
    const logGroupId = stack.getLogicalId(deployLogs.node.defaultChild as logs.CfnLogGroup);
    Validations.of(deployRole).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
        reason:
          'Log streams are created by Lambda with generated names inside the deployment’s own log group.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CDK’s BucketDeployment grants cloudfront:CreateInvalidation/GetInvalidation on * to invalidate the console’s distribution after an upload.',
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          'CDK’s read grant on the bootstrap assets bucket: the deployment reads the zipped console build and config.json from it.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason:
          'The bootstrap assets bucket’s object keys are content hashes decided at synth; the deployment reads only this stack’s console zips from it.',
      },
      ...['s3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          'CDK’s write grant on the console bucket: a deployment replaces the files and prunes those the new build no longer has.',
      })),
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        reason: 'The console bucket holds only the console’s files, all written by this deployment.',
      },
    );
  }
}
