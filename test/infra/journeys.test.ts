/**
 * The console's journeys and messages routes in the template: journeys-admin serves both twins of
 * each, reads the journeys' state machines and executions only, writes only the journeys table (the
 * pause flag), and reads the delivery log on the messages table; start-journey reads the flag.
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

describe('the journeys and messages routes', () => {
  it('are served by journeys-admin for the CLI and the console', () => {
    const [fnId] = fnByDescription(/^Console API: journeys with counts/);
    for (const key of [
      'GET /admin/journeys',
      'GET /admin/journeys/{journeyId}',
      'POST /admin/journeys/{journeyId}/pause',
      'POST /admin/journeys/{journeyId}/resume',
      'GET /admin/messages',
    ]) {
      expect(functionOfRoute(key)).toBe(fnId);
      expect(functionOfRoute(key.replace(' /admin', ' /api/admin'))).toBe(fnId);
    }
  });

  it('read Step Functions only: the journeys’ state machines and their executions', () => {
    const [fnId, fn] = fnByDescription(/^Console API: journeys with counts/);
    const states = statementsOf(fnId).filter((s) => actionsOf([s]).some((a) => a.startsWith('states:')));
    expect(actionsOf(states).sort()).toEqual([
      'states:DescribeExecution',
      'states:DescribeStateMachine',
      'states:GetExecutionHistory',
      'states:ListExecutions',
    ]);
    const text = JSON.stringify(states.map((s) => s.Resource));
    expect(text).toContain(':execution:feltfit-onboarding:*');
    expect(text).not.toMatch(/"\*"/);
    expect(fn.Properties.Environment.Variables.JOURNEY_STATE_MACHINES).toBeDefined();
  });

  it('write only the journeys table and read the messages table', () => {
    const [fnId] = fnByDescription(/^Console API: journeys with counts/);
    const dynamo = statementsOf(fnId).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    const messages = tableId('messages');
    const journeys = tableId('journeys');
    for (const s of dynamo) {
      const writes = actionsOf([s]).some((a) => /Put|Update|Delete|Write/.test(a));
      if (writes) expect(onTable(s, journeys), JSON.stringify(s.Resource)).toBe(true);
      else expect(onTable(s, journeys) || onTable(s, messages)).toBe(true);
    }
    expect(dynamo.some((s) => onTable(s, messages))).toBe(true);
  });
});
