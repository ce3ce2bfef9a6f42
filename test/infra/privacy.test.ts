import { beforeAll, describe, expect, it } from 'vitest';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, any> };

let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const entries = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fnBy = (description: RegExp) => {
  const found = entries('AWS::Lambda::Function').filter(([, r]) =>
    description.test(r.Properties.Description),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};
const statementsOf = (roleId: string) =>
  entries('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);

describe('the privacy-job state machine', () => {
  const machine = () => {
    const found = entries('AWS::StepFunctions::StateMachine').filter(
      ([, r]) => r.Properties.StateMachineName === 'feltfit-privacy-job',
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const definition = () => {
    const join = machine()[1].Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
    // Literal strings, the partition and function ARNs (inside string literals): the ARNs become `fn`.
    const text = join[1]
      .map((p) =>
        typeof p === 'string' ? p : (p as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : 'fn',
      )
      .join(join[0]);
    return JSON.parse(text) as {
      StartAt: string;
      States: Record<string, any>;
    };
  };

  it('loops Step → IsDone → Step until the job is done, retrying a step and marking the job failed after', () => {
    const d = definition();
    expect(d.StartAt).toBe('Step');
    expect(d.States.Step.Next).toBe('IsDone');
    expect(d.States.Step.Retry.some((r: any) => r.ErrorEquals.includes('States.ALL'))).toBe(true);
    expect(d.States.Step.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'MarkFailed' });
    expect(d.States.IsDone.Choices[0]).toMatchObject({ Variable: '$.step.done', BooleanEquals: true });
    expect(d.States.IsDone.Default).toBe('Step');
    expect(d.States.MarkFailed.Next).toBe('Failed');
    // The input names the job only.
    expect(d.States.Step.Parameters.Payload).toEqual({
      action: 'step',
      'jobId.$': '$.jobId',
      'attempt.$': '$.attempt',
    });
    expect(machine()[1].Properties.LoggingConfiguration.IncludeExecutionData).toBe(false);
  });

  it('runs each step in a function with a bounded timeout that reaches every holder table', () => {
    const [, fn] = fnBy(/^Privacy jobs: one step/);
    expect(fn.Properties.Timeout).toBe(300);
    const env = Object.keys(fn.Properties.Environment.Variables);
    for (const v of ['EVENTS_TABLE', 'CONTROL_TABLE', 'PROFILES_TABLE', 'MESSAGES_TABLE', 'JOURNEYS_TABLE'])
      expect(env).toContain(v);
  });

  it('lets the admin function start it, and nothing more of Step Functions on it', () => {
    const [machineId] = machine();
    const [, admin] = fnBy(/^Operator API/);
    expect(admin.Properties.Environment.Variables.PRIVACY_JOB_STATE_MACHINE_ARN).toEqual({ Ref: machineId });
    const onMachine = statementsOf(admin.Properties.Role['Fn::GetAtt'][0]).filter((s) =>
      JSON.stringify(s.Resource).includes(machineId),
    );
    expect(onMachine.flatMap((s) => [s.Action].flat())).toEqual(['states:StartExecution']);
  });
});

describe('the byProfile indexes', () => {
  it('index the messages and journeys tables by profileId, keys only', () => {
    const indexed = entries('AWS::DynamoDB::Table')
      .flatMap(([, t]) => t.Properties.GlobalSecondaryIndexes ?? [])
      .filter((g: any) => g.IndexName === 'byProfile');
    expect(indexed).toHaveLength(2);
    for (const g of indexed) {
      expect(g.KeySchema).toEqual([{ AttributeName: 'profileId', KeyType: 'HASH' }]);
      expect(g.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
    }
  });
});
