/**
 * The console's content, experiments and models routes in the template: which function serves each
 * (both twins), and the least-privilege grants the new reads and "train now" need.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, any> };

let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const fnByDescription = (re: RegExp) => {
  const found = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && re.test(String(r.Properties.Description)),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** The function a route's integration invokes. */
function functionOfRoute(routeKey: string): string {
  const route = Object.values(resources).find(
    (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === routeKey,
  );
  expect(route, routeKey).toBeDefined();
  const integrationId = route!.Properties.Target['Fn::Join'][1][1].Ref as string;
  return resources[integrationId]!.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
}

/** Every statement of the policies attached to a function's role. */
function statementsOf(fnId: string): { Action: string | string[]; Resource: unknown }[] {
  const roleId = resources[fnId]!.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
    )
    .flatMap((r) => r.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: { Action: string | string[] }[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

const tableId = (name: string) =>
  Object.entries(resources).find(
    ([id, r]) => r.Type === 'AWS::DynamoDB::GlobalTable' && id.toLowerCase().includes(name),
  )?.[0] ??
  Object.entries(resources).find(
    ([id, r]) => r.Type === 'AWS::DynamoDB::Table' && id.toLowerCase().includes(name),
  )![0];

const onTable = (s: { Resource: unknown }, table: string) => JSON.stringify(s.Resource).includes(table);

describe('the models routes', () => {
  it('are served by models-admin for the CLI and the console', () => {
    const [fnId] = fnByDescription(/^Model inventory and cards/);
    for (const key of ['GET /admin/models', 'GET /admin/models/{model}', 'POST /admin/models/train']) {
      expect(functionOfRoute(key)).toBe(fnId);
      expect(functionOfRoute(key.replace(' /admin', ' /api/admin'))).toBe(fnId);
    }
  });

  it('read the models table only, and may put events on the feltfit bus only', () => {
    const [fnId, fn] = fnByDescription(/^Model inventory and cards/);
    const statements = statementsOf(fnId);
    const models = tableId('models');
    const dynamo = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) expect(onTable(s, models), JSON.stringify(s.Resource)).toBe(true);
    const dynamoActions = actionsOf(dynamo);
    expect(dynamoActions).toContain('dynamodb:GetItem');
    expect(dynamoActions.some((a) => /Put|Update|Delete|Write/.test(a))).toBe(false);
    const bus = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::Events::EventBus' && r.Properties.Name === 'feltfit',
    )![0];
    const put = statements.filter((s) => actionsOf([s]).includes('events:PutEvents'));
    expect(put).toHaveLength(1);
    expect(put[0]!.Resource).toEqual({ 'Fn::GetAtt': [bus, 'Arn'] });
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['MODELS_TABLE', 'EVENT_BUS_NAME']),
    );
    expect(fn.Properties.Environment.Variables.PROFILES_TABLE).toBeUndefined();
  });
});

describe('the content review routes', () => {
  it('include the check and preview of a variant, on the review function', () => {
    const [fnId] = fnByDescription(/^Lists and reviews content variants/);
    for (const key of [
      'GET /admin/content/{id}',
      'POST /admin/content/{id}/check',
      'POST /admin/content/{id}/preview',
      'POST /admin/content/{id}/review',
    ]) {
      expect(functionOfRoute(key)).toBe(fnId);
      expect(functionOfRoute(key.replace(' /admin', ' /api/admin'))).toBe(fnId);
    }
  });

  it('may read profiles for previews but not change them, and renders with the channels’ settings', () => {
    const [fnId, fn] = fnByDescription(/^Lists and reviews content variants/);
    const profiles = tableId('profiles');
    const onProfiles = statementsOf(fnId).filter((s) => onTable(s, profiles));
    expect(onProfiles.length).toBeGreaterThan(0);
    const actions = actionsOf(onProfiles);
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.some((a) => /Put|Update|Delete|Write/.test(a))).toBe(false);
    const env = fn.Properties.Environment.Variables;
    expect(env.PROFILES_TABLE).toBeDefined();
    expect(JSON.parse(env.CHANNELS_CONFIG).sms.optOutText).toBe('Reply STOP to opt out');
  });
});

describe('the experiments route', () => {
  it('is the measurement report’s, for both callers', () => {
    const [fnId] = fnByDescription(/^Experiment, attribution, KPI and fairness report/);
    expect(functionOfRoute('GET /admin/report')).toBe(fnId);
    expect(functionOfRoute('GET /api/admin/report')).toBe(fnId);
  });
});
