/**
 * The admin function's console routes and grants: the overview, a person's activity and Settings
 * routes exist twice (IAM for the CLI, JWT for the console), creating and revoking sources is
 * routed to the admin function, and the function may read — never start, stop or answer —
 * journey executions (it starts only the privacy job); decide may write the person's message log.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OVERVIEW_ROUTES } from '../../shared/api/routes/overview.js';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const policiesOf = (roleRef: string) =>
  // A large inline policy overflows into managed policies attached to the same role.
  [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')]
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleRef))
    .flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('console routes of the admin function', () => {
  it('adds every overview and settings route for the CLI and the console', () => {
    const keys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    for (const spec of Object.values(OVERVIEW_ROUTES)) {
      expect(keys).toContain(`${spec.method} ${spec.path}`);
      expect(keys).toContain(`${spec.method} /api${spec.path}`);
    }
  });

  it('lets the admin function read journey executions and start only the privacy job on Step Functions', () => {
    const admin = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('AdminFunction'))!;
    const role = JSON.stringify(admin[1].Properties.Role);
    const roleRef = /"([A-Za-z0-9]+)"/.exec(role)![1]!;
    const statements = policiesOf(roleRef).filter((s) => actions(s).some((a) => a.startsWith('states:')));
    const states = statements.flatMap(actions).filter((a) => a.startsWith('states:'));
    expect([...new Set(states)].sort()).toEqual([
      'states:DescribeExecution',
      'states:GetExecutionHistory',
      'states:ListExecutions',
      'states:StartExecution',
    ]);
    // Erasure and export run as the privacy job; no journey or campaign machine can be started.
    const machines = ofType('AWS::StepFunctions::StateMachine').map(([id]) => id);
    const privacyJob = machines.filter((id) => id.startsWith('Privacy'));
    expect(privacyJob).toHaveLength(1);
    for (const s of statements.filter((x) => actions(x).includes('states:StartExecution'))) {
      const refs = machines.filter((id) => JSON.stringify(s.Resource).includes(id));
      expect(refs).toEqual(privacyJob);
    }
    const env = admin[1].Properties.Environment.Variables;
    for (const name of [
      'JOURNEY_STATE_MACHINES',
      'CONTENT_TABLE',
      'MODELS_TABLE',
      'JOURNEYS_CONFIG',
      'CONSOLE_USER_POOL_ID',
    ])
      expect(env[name], name).toBeDefined();
  });

  it('gives decide the messages table for the per-person log', () => {
    const decide = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('JourneysDecide'))!;
    expect(decide[1].Properties.Environment.Variables.MESSAGES_TABLE).toBeDefined();
  });
});
