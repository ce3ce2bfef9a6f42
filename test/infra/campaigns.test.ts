import { beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../shared/api/contract.js';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, any> };

let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const entries = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const campaignsFn = () => {
  const found = entries('AWS::Lambda::Function').filter(([, r]) =>
    /^Console API: audience previews/.test(r.Properties.Description),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};
const statementsOf = (roleId: string) =>
  entries('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
const actionsOf = (s: any): string[] => [s.Action].flat();

describe('the campaigns function', () => {
  it('serves every audiences and campaigns route, for the CLI (IAM) and the console (JWT)', () => {
    const [fnId] = campaignsFn();
    const integrations = entries('AWS::ApiGatewayV2::Integration')
      .filter(([, i]) => JSON.stringify(i.Properties.IntegrationUri).includes(fnId))
      .map(([id]) => id);
    expect(integrations).toHaveLength(1);
    const routes = entries('AWS::ApiGatewayV2::Route')
      .filter(([, r]) => JSON.stringify(r.Properties.Target).includes(integrations[0]!))
      .map(([, r]) => `${r.Properties.RouteKey} ${r.Properties.AuthorizationType}`)
      .sort();
    const expected = routesOf('campaigns').flatMap(([, s]) => [
      `${s.method} ${s.path} AWS_IAM`,
      `${s.method} /api${s.path} JWT`,
    ]);
    expect(routes).toEqual(expected.sort());
    expect(routes.length).toBe(18);
  });

  it('may start the campaign-run state machine and nothing else, and only describe run and campaign-journey executions', () => {
    const [, fn] = campaignsFn();
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = statementsOf(roleId);
    const states = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    const start = states.filter((s) => actionsOf(s).includes('states:StartExecution'));
    expect(start).toHaveLength(1);
    expect(actionsOf(start[0])).toEqual(['states:StartExecution']);
    const [machineId] = entries('AWS::StepFunctions::StateMachine').find(
      ([, r]) => r.Properties.StateMachineName === 'feltfit-campaign-run',
    )!;
    expect(start[0].Resource).toEqual({ Ref: machineId });
    const describe_ = states.find((s) => actionsOf(s).includes('states:DescribeExecution'))!;
    expect(actionsOf(describe_)).toEqual(['states:DescribeExecution']);
    const arns = JSON.stringify(describe_.Resource);
    expect(arns).toContain('execution:feltfit-campaign-run:*');
    expect(arns).toContain('execution:feltfit-loyalty-referral:*');
    expect(arns).toContain('execution:feltfit-campaign-message:*');
    expect(arns).not.toContain('execution:feltfit-cart-recovery:*');
    // No event bus, no writes to profiles, messages or content.
    expect(statements.some((s) => actionsOf(s).some((a) => a.startsWith('events:')))).toBe(false);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      CAMPAIGN_STATE_MACHINE_ARN: { Ref: machineId },
      JOURNEYS_TABLE: expect.anything(),
      MESSAGES_TABLE: expect.anything(),
      PROFILES_TABLE: expect.anything(),
      CONTENT_TABLE: expect.anything(),
    });
  });

  it('lets the campaign-run function record each page’s members in the journeys table', () => {
    const [, fn] = entries('AWS::Lambda::Function').find(([, r]) =>
      /^Campaign runs: validates a run/.test(r.Properties.Description),
    )!;
    expect(fn.Properties.Environment.Variables.JOURNEYS_TABLE).toBeDefined();
  });
});
