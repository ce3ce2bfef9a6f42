import { beforeAll, describe, expect, it } from 'vitest';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Resources = Record<string, Resource>;

let resources: Resources;

beforeAll(() => {
  resources = stackTemplate().Resources as Resources;
});

const entries = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** Logical id of the function of a folder under functions/. */
function functionId(name: string): string {
  const found = entries('AWS::Lambda::Function').find(
    ([, r]) =>
      (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.POWERTOOLS_SERVICE_NAME === `feltfit-${name}`,
  );
  if (!found) throw new Error(`no function ${name}`);
  return found[0];
}

const refersTo = (value: unknown, id: string) => JSON.stringify(value).includes(`"${id}"`);

/** Every IAM action granted to a function's role. */
function actionsOf(name: string): string[] {
  const fn = resources[functionId(name)]!;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return entries('AWS::IAM::Policy')
    .filter(([, p]) => refersTo(p.Properties.Roles, roleId))
    .flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
      ),
    );
}

function mappingOf(name: string): Record<string, unknown> {
  const id = functionId(name);
  const found = entries('AWS::Lambda::EventSourceMapping').filter(([, m]) =>
    refersTo(m.Properties.FunctionName, id),
  );
  expect(found).toHaveLength(1);
  return found[0]![1].Properties;
}

describe('outbox publisher', () => {
  it('reads the profiles table’s stream of new images', () => {
    const mapping = mappingOf('publish-domain-events');
    const [tableId] = (mapping.EventSourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const table = resources[tableId]!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    // Not the events table the projector reads.
    expect(mappingOf('project-profile').EventSourceArn).not.toEqual(mapping.EventSourceArn);
  });

  it('receives only inserted or modified items that carry an outbox', () => {
    const filters = (mappingOf('publish-domain-events').FilterCriteria as { Filters: { Pattern: string }[] })
      .Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { NewImage: { outbox: { S: [{ exists: true }] } } },
      },
    ]);
  });

  it('retries in order until EventBridge accepts, then dead-letters an hour before the stream trims', () => {
    const mapping = mappingOf('publish-domain-events');
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: false,
      MaximumRecordAgeInSeconds: 23 * 3600,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping.MaximumRetryAttempts ?? -1).toBe(-1);
    expect(JSON.stringify(mapping.DestinationConfig)).toContain('PublisherDlq');
  });

  it('may put events on the bus and read the stream, and nothing else of the table', () => {
    const actions = actionsOf('publish-domain-events');
    expect(actions).toContain('events:PutEvents');
    expect(actions).toContain('dynamodb:GetRecords');
    expect(
      actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|Get|Query|Scan)Item|Query|Scan/.test(a)),
    ).toEqual([]);
  });

  it('leaves the projector without a grant to the bus', () => {
    expect(actionsOf('project-profile')).not.toContain('events:PutEvents');
  });

  it('alarms on publisher errors, its iterator age and its dead-letter queue', () => {
    const descriptions = entries('AWS::CloudWatch::Alarm').map(([, a]) =>
      String(a.Properties.AlarmDescription),
    );
    expect(descriptions).toContain('Outbox publisher: invocation errors');
    expect(descriptions).toContain('Outbox publisher: oldest unpublished commit older than 15 minutes');
    expect(
      descriptions.some((d) => d.startsWith('Outbox publisher: messages in the dead-letter queue')),
    ).toBe(true);
  });
});
