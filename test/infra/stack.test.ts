import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { SEGMENT_PATHS } from '../../infra/constructs/ingest.js';
import { CATALOGUE } from '../../shared/config/journeys.js';
import { stackTemplate } from './template.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;

beforeAll(() => {
  const json = stackTemplate();
  template = Template.fromJSON(json as unknown as Record<string, unknown>);
  resources = json.Resources as Resources;
});

const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

describe('data', () => {
  it('keeps every table on demand, point-in-time recoverable and encrypted with the rotated customer key', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const t of tables) {
      expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(t.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    }
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('streams new event images for the profile projector', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });
});

describe('api', () => {
  it('serves every Segment route, long and short form, with POST', () => {
    const keys = ofType('AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey);
    for (const path of SEGMENT_PATHS) expect(keys).toContain(`POST ${path}`);
  });

  it('puts the admin routes behind IAM authorization', () => {
    // `/admin/...` only: their console twins under `/api/admin/...` are JWT-authorized (console.test.ts).
    const admin = ofType('AWS::ApiGatewayV2::Route').filter((r) =>
      /^\S+ \/admin\//.test(String(r.Properties.RouteKey)),
    );
    expect(admin.length).toBeGreaterThan(0);
    for (const r of admin) expect(r.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('lets API Gateway invoke each integrated function through one permission, from this API only', () => {
    // One per function instead of one per route: per-route permissions cost a resource each.
    const [apiId] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api')!;
    const targets = new Set(
      ofType('AWS::ApiGatewayV2::Integration').map((i) => JSON.stringify(i.Properties.IntegrationUri)),
    );
    expect(targets.size).toBeGreaterThan(5);
    const permissions = ofType('AWS::Lambda::Permission').filter(
      (p) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.map((p) => JSON.stringify(p.Properties.FunctionName)).sort()).toEqual(
      [...targets].sort(),
    );
    for (const p of permissions) {
      expect(p.Properties.Action).toBe('lambda:InvokeFunction');
      const [, parts] = (p.Properties.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      expect(parts).toContainEqual(':execute-api:');
      expect(parts).toContainEqual({ Ref: apiId });
    }
  });

  it('throttles and access-logs the stage without personal data', () => {
    const [stage] = ofType('AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 500,
      ThrottlingBurstLimit: 250,
    });
    const format = String((stage!.Properties.AccessLogSettings as { Format: string }).Format);
    expect(format).toContain('$context.requestId');
    expect(format).not.toContain('sourceIp');
  });

  it('answers the browser SDK’s CORS preflight for the Authorization header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: { AllowHeaders: ['authorization', 'content-type', 'content-encoding'] },
    });
  });
});

describe('bus', () => {
  it('creates the feltfit bus and archives its domain events', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'feltfit' });
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: [{ prefix: 'feltfit.' }] },
    });
  });
});

describe('functions', () => {
  it('run on the newest Node.js on arm64 with tracing and their own log group', () => {
    // Feltfit's functions; CDK's BucketDeployment provider (the console's upload) is its own Python.
    const fns = Object.entries(resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !id.startsWith('CustomCDKBucketDeployment'))
      .map(([, r]) => r);
    expect(fns.length).toBeGreaterThanOrEqual(2);
    for (const f of fns) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect((f.Properties.LoggingConfig as { LogGroup?: unknown }).LogGroup).toBeDefined();
    }
  });

  it('hold no AWS managed policies and no service-wide actions', () => {
    for (const role of ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = ofType('AWS::IAM::Policy').flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
    );
    for (const s of statements) {
      for (const a of [s.Action].flat()) expect(a).not.toMatch(/:\*$/);
    }
  });

  it('keeps each function to the tables it uses: ingest cannot touch profiles, messages or models', () => {
    const ingestPolicy = Object.entries(resources).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('IngestFunctionRole'),
    );
    const document = JSON.stringify(ingestPolicy![1].Properties.PolicyDocument);
    expect(document).toContain('DataEventsTable');
    for (const other of ['DataProfilesTable', 'DataMessagesTable', 'DataModelsTable', 'DataContentTable']) {
      expect(document).not.toContain(other);
    }
  });

  it('lets the send function update only cohort and bandit counters on the journeys table', () => {
    const sendPolicy = Object.entries(resources).find(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('ChannelsSendRoleDefaultPolicy'),
    );
    const statements = (
      sendPolicy![1].Properties.PolicyDocument as {
        Statement: { Action: unknown; Resource: unknown; Condition?: unknown }[];
      }
    ).Statement.filter((st) => JSON.stringify(st.Resource ?? '').includes('DataJourneysTable'));
    expect(statements).toEqual([
      {
        Action: 'dynamodb:UpdateItem',
        Effect: 'Allow',
        Resource: expect.anything(),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COHORT#*', 'BANDIT#*'] } },
      },
    ]);
  });
});

describe('cdk-nag', () => {
  it('fails synthesis on an unacknowledged AwsSolutions finding', () => {
    // The same synthesis as the run's shared template (global-synth.ts), so that one is nag-clean.
    const { app, stack } = buildApp({ bundle: false });
    new sqs.Queue(stack, 'NotEncryptedNoDlq', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

/** A state machine's definition as text, with function ARNs (Fn::GetAtt in a Fn::Join) filled in. */
function definitionText(definition: unknown): string {
  if (typeof definition === 'string') return definition;
  const join = (definition as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected definition ${JSON.stringify(definition).slice(0, 200)}`);
  const value = (part: unknown) =>
    typeof part === 'string'
      ? part
      : (part as { Ref?: string }).Ref === 'AWS::Partition'
        ? 'aws'
        : 'arn:aws:lambda:us-east-1:123456789012:function:fn';
  return join[1].map(value).join(join[0]);
}

describe('journeys', () => {
  it('synthesizes one Standard state machine per enabled journey, each a valid ASL definition with logging and tracing', async () => {
    const { default: aslValidator } = await import('asl-validator');
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThanOrEqual(5);
    for (const m of machines) {
      expect(m.Properties.StateMachineType).toBe('STANDARD');
      expect(m.Properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(m.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      // The definition string with its substitutions filled in, as Step Functions receives it.
      const subs = (m.Properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      let text = definitionText(m.Properties.DefinitionString);
      for (const key of Object.keys(subs)) {
        text = text.replaceAll(`\${${key}}`, `arn:aws:lambda:us-east-1:123456789012:function:${key}`);
      }
      const result = aslValidator(JSON.parse(text));
      expect(result.errorsText()).toBe('');
      expect(result.isValid).toBe(true);
    }
  });

  it('synthesizes the campaign-run state machine: plan (invalid input fails the run), pages at a rate, until the scan ends', () => {
    const [machine] = ofType('AWS::StepFunctions::StateMachine').filter(
      (m) => m.Properties.StateMachineName === 'feltfit-campaign-run',
    );
    expect(machine).toBeDefined();
    const asl = JSON.parse(definitionText(machine!.Properties.DefinitionString));
    expect(asl.StartAt).toBe('Plan');
    expect(asl.States.Plan.Catch[0]).toMatchObject({
      ErrorEquals: ['InvalidCampaignRunError'],
      Next: 'InvalidRun',
    });
    expect(asl.States.InvalidRun.Type).toBe('Fail');
    expect(asl.States.Throttle).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.plan.waitSeconds',
      Next: 'Page',
    });
    expect(asl.States.WaitForStart).toMatchObject({ Type: 'Wait', TimestampPath: '$.plan.startAt' });
  });

  it('synthesizes no resume rule (an empty pattern does not deploy) when no journey awaits or exits on an event', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-config-'));
    const configPath = join(dir, 'feltfit.json');
    const message = CATALOGUE.find((j) => j.id === 'campaign-message');
    writeFileSync(configPath, JSON.stringify({ journeys: { journeys: [message] } }));
    const rules = Template.fromStack(buildApp({ configPath, bundle: false }).stack).findResources(
      'AWS::Events::Rule',
    );
    const patterns = Object.values(rules).map((r) => r.Properties.EventPattern ?? {});
    expect(patterns.some((p) => Array.isArray(p['detail-type']) && p['detail-type'].length === 0)).toBe(
      false,
    );
    expect(
      Object.values(rules).some((r) => /^(Resumes|Profile merges)/.test(String(r.Properties.Description))),
    ).toBe(false);
  });

  it('starts journeys from rules on the feltfit bus', () => {
    const rules = ofType('AWS::Events::Rule').filter((r) =>
      String(JSON.stringify(r.Properties.EventPattern)).includes('feltfit.'),
    );
    expect(rules.length).toBeGreaterThanOrEqual(5);
  });

  it('sends profile merges to the resume function, next to the resume rule', () => {
    const rules = ofType('AWS::Events::Rule');
    const merge = rules.find((r) => String(r.Properties.Description).startsWith('Profile merges'));
    const resume = rules.find((r) => String(r.Properties.Description).startsWith('Resumes'));
    expect(merge?.Properties.EventPattern).toEqual({
      source: ['feltfit.profiles'],
      'detail-type': ['ProfilesMerged'],
    });
    const targetOf = (r: typeof merge) => (r?.Properties.Targets as { Arn: unknown }[] | undefined)?.[0]?.Arn;
    expect(targetOf(merge)).toBeDefined();
    expect(targetOf(merge)).toEqual(targetOf(resume));
  });
});

describe('measurement', () => {
  it('alarms on a sample ratio mismatch of every journey and of the send-time holdout, on fairness and on model drift', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map((a) => a.Properties);
    const srm = alarms
      .filter((a) => a.MetricName === 'SampleRatioMismatch')
      .map((a) => (a.Dimensions as { Name: string; Value: string }[])[0]!.Value)
      .sort();
    const enabled = CATALOGUE.filter((j) => j.enabled !== false).map((j) => j.id);
    expect(srm).toEqual([...enabled, 'send-time'].sort());
    expect(alarms.map((a) => a.MetricName)).toEqual(expect.arrayContaining(['FairnessFlags', 'ModelDrift']));
    for (const a of alarms.filter((x) => x.Namespace === 'Feltfit/Measurement'))
      expect(a.AlarmActions).toHaveLength(1);
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });
});

describe('content', () => {
  it('creates no Bedrock resources by default (offline generator)', () => {
    expect(ofType('AWS::Bedrock::Guardrail')).toHaveLength(0);
  });

  it('creates a Guardrail from the brand playbook when a Bedrock model is configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-config-'));
    const configPath = join(dir, 'feltfit.json');
    writeFileSync(configPath, JSON.stringify({ bedrockModelId: 'amazon.nova-lite-v1:0' }));
    const withBedrock = Template.fromStack(buildApp({ configPath, bundle: false }).stack);
    withBedrock.resourceCountIs('AWS::Bedrock::Guardrail', 1);
    withBedrock.hasResourceProperties('AWS::Bedrock::Guardrail', {
      WordPolicyConfig: Match.objectLike({ ManagedWordListsConfig: [{ Type: 'PROFANITY' }] }),
    });
    withBedrock.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'bedrock:ApplyGuardrail' })]),
      },
    });
  });
});
