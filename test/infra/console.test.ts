import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_ASSET_METADATA } from '../../infra/constructs/console.js';
import { stackTemplate } from './template.js';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
};
type Resources = Record<string, Resource>;

let resources: Resources;
let outputs: Record<string, { Value: unknown }>;

beforeAll(() => {
  const template = stackTemplate();
  resources = template.Resources as Resources;
  outputs = template.Outputs ?? {};
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const only = (type: string): [string, Resource] => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('console hosting', () => {
  it('keeps the console bucket private, encrypted and access-logged', () => {
    const [, bucket] = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('ConsoleBucket'))!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.Properties.BucketEncryption)).toContain('AES256');
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'console-bucket/' });
  });

  it('lets only the console distribution read the bucket (origin access control, AWS:SourceArn)', () => {
    const [, bucketPolicy] = ofType('AWS::S3::BucketPolicy').find(([id]) =>
      id.startsWith('ConsoleBucketPolicy'),
    )!;
    const statements = (
      bucketPolicy.Properties.PolicyDocument as {
        Statement: { Effect: string; Principal: unknown; Action: unknown; Condition?: unknown }[];
      }
    ).Statement.filter((s) => s.Effect === 'Allow');
    expect(statements).toHaveLength(1);
    const [read] = statements;
    expect(read!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(read!.Action).toBe('s3:GetObject');
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const sourceArn = JSON.stringify(
      (read!.Condition as { StringEquals: Record<string, unknown> }).StringEquals['AWS:SourceArn'],
    );
    expect(sourceArn).toContain(`{"Ref":"${distributionId}"}`);

    const [oacId, oac] = only('AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const origins = (distribution.Properties.DistributionConfig as { Origins: Record<string, unknown>[] })
      .Origins;
    const s3Origin = origins.find((o) => o.S3OriginConfig)!;
    expect(s3Origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
  });

  it('serves the app over HTTPS with a viewer-request SPA fallback, and /api/* uncached to the HTTP API', () => {
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Record<string, unknown>[];
      Origins: { Id: string; DomainName: unknown; CustomOriginConfig?: Record<string, unknown> }[];
      CustomErrorResponses?: unknown;
    };
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    // No distribution-wide error rewriting: API errors must stay API errors.
    expect(config.CustomErrorResponses).toBeUndefined();
    const [fnId, fn] = only('AWS::CloudFront::Function');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } },
    ]);
    expect(String(fn.Properties.FunctionCode)).toContain("'/index.html'");

    const api = config.CacheBehaviors.find((b) => b.PathPattern === '/api/*');
    expect(api).toBeDefined();
    expect(api!.ViewerProtocolPolicy).toBe('https-only');
    expect(api!.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
    expect(api!.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // AllViewerExceptHostHeader
    expect(api!.AllowedMethods).toEqual(
      expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']),
    );
    const apiOrigin = config.Origins.find((o) => o.Id === api!.TargetOriginId)!;
    expect(apiOrigin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    const [apiId] = only('AWS::ApiGatewayV2::Api');
    expect(apiOrigin.DomainName).toEqual({
      'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }] }],
    });
  });

  it('sends strict security headers on both behaviours', () => {
    const [policyId, policy] = only('AWS::CloudFront::ResponseHeadersPolicy');
    const headers = (
      policy.Properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: Record<string, unknown> }
    ).SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 63072000,
      Override: true,
    });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ReferrerPolicy).toMatchObject({ Override: true });
    const csp = JSON.stringify(
      (headers.ContentSecurityPolicy as { ContentSecurityPolicy: unknown }).ContentSecurityPolicy,
    );
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self' https://",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self' https://",
    ])
      expect(csp).toContain(directive);
    expect(csp).toContain('.amazoncognito.com');
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Record<string, unknown>[];
    };
    for (const b of [config.DefaultCacheBehavior, ...config.CacheBehaviors])
      expect(b.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  it('deploys the console build and a deploy-time config.json, naming the build asset for the local runtime', () => {
    const [, deployment] = only('Custom::CDKBucketDeployment');
    const keys = deployment.Properties.SourceObjectKeys as string[];
    expect(keys).toHaveLength(2);
    const hash = /^([0-9a-f]{64})\.zip$/.exec(keys[0]!)?.[1];
    expect(hash).toBeDefined();
    expect(deployment.Metadata?.[CONSOLE_ASSET_METADATA]).toBe(`asset.${hash}`);
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    expect(markers).toMatch(/ConsoleUserPoolClient/);
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
  });
});

describe('console sign-in', () => {
  it('lets only admins create users, with a strong password policy and TOTP', () => {
    const [, pool] = only('AWS::Cognito::UserPool');
    expect(pool.Properties.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(pool.Properties.UsernameAttributes).toEqual(['email']);
    expect(pool.Properties.Policies).toMatchObject({
      PasswordPolicy: {
        MinimumLength: 12,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      },
    });
    expect(pool.Properties.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(pool.Properties.UserPoolTier).toBe('PLUS');
  });

  it('has a public authorization-code client redirecting only to the console', () => {
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.AllowedOAuthFlows).toEqual(['code']);
    expect(client.Properties.AllowedOAuthScopes).toEqual(['openid', 'email', 'profile']);
    expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const domain = { 'Fn::GetAtt': [distributionId, 'DomainName'] };
    const urls = [
      { 'Fn::Join': ['', ['https://', domain, '/']] },
      { 'Fn::Join': ['', ['https://', domain, '/auth/callback']] },
    ];
    expect(client.Properties.CallbackURLs).toEqual(urls);
    expect(client.Properties.LogoutURLs).toEqual(urls);
  });

  it('uses the newer managed login with Cognito’s branding', () => {
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties.ManagedLoginVersion).toBe(2);
    const [, branding] = only('AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties.UseCognitoProvidedValues).toBe(true);
  });

  it('has the four role groups', () => {
    const groups = ofType('AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties);
    expect(groups.map((g) => g.GroupName).sort()).toEqual(['admin', 'marketer', 'reviewer', 'viewer']);
    for (const g of groups) expect(String(g.Description).length).toBeGreaterThan(10);
  });
});

describe('shared admin routes', () => {
  const routes = () => ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

  it('gives every /admin route a JWT-authorized /api/admin twin on the same integration', () => {
    const all = routes();
    const key = (r: Record<string, unknown>) => String(r.RouteKey);
    const iamRoutes = all.filter((r) => / \/admin\//.test(key(r)));
    expect(iamRoutes.length).toBeGreaterThan(10);
    const [poolId] = only('AWS::Cognito::UserPool');
    const [clientId] = only('AWS::Cognito::UserPoolClient');
    const [authorizerId, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties.AuthorizerType).toBe('JWT');
    expect(authorizer.Properties.JwtConfiguration).toEqual({
      Audience: [{ Ref: clientId }],
      Issuer: {
        'Fn::Join': [
          '',
          ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }],
        ],
      },
    });
    for (const r of iamRoutes) {
      // The CLI's routes are unchanged: IAM (SigV4).
      expect(r.AuthorizationType).toBe('AWS_IAM');
      const [method, path] = key(r).split(' ');
      const twin = all.find((t) => key(t) === `${method} /api${path}`);
      expect(twin, `${method} /api${path}`).toBeDefined();
      expect(twin!.AuthorizationType).toBe('JWT');
      expect(twin!.AuthorizerId).toEqual({ Ref: authorizerId });
      expect(twin!.Target).toEqual(r.Target);
    }
    const twins = all.filter((r) => / \/api\//.test(key(r)));
    expect(twins).toHaveLength(iamRoutes.length);
  });
});

describe('outputs', () => {
  it('outputs the console URL and the user pool id', () => {
    const [distributionId] = only('AWS::CloudFront::Distribution');
    const [poolId] = only('AWS::Cognito::UserPool');
    expect(outputs.ConsoleUrl?.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']],
    });
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: poolId });
  });
});
