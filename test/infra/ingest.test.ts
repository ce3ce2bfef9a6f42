import { beforeAll, describe, expect, it } from 'vitest';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const entries = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionId = (name: string) =>
  entries('AWS::Lambda::Function').find(
    ([, r]) =>
      (r.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables
        ?.POWERTOOLS_SERVICE_NAME === `feltfit-${name}`,
  )![0];
const mappingOf = (fnId: string) =>
  entries('AWS::Lambda::EventSourceMapping').find(([, r]) =>
    JSON.stringify(r.Properties.FunctionName).includes(fnId),
  )![1].Properties;
const patterns = (mapping: Record<string, unknown>) =>
  ((mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters ?? []).map((f) =>
    JSON.parse(f.Pattern),
  );

describe('the ingest fan-out', () => {
  it('takes only landed items waiting to be stored from the events stream, retried and never bisected', () => {
    const mapping = mappingOf(functionId('ingest-fan-out'));
    expect(JSON.stringify(mapping.EventSourceArn)).toContain('DataEventsTable');
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: false,
      MaximumRecordAgeInSeconds: 23 * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping.MaximumRetryAttempts).toBeUndefined(); // retried until stored
    expect(JSON.stringify(mapping.DestinationConfig)).toContain('IngestFanOutDlq');
    expect(patterns(mapping)).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { Keys: { sk: { S: [{ prefix: 'L#' }] } }, NewImage: { n: { N: [{ exists: true }] } } },
      },
    ]);
  });

  it('leaves landed items out of the projector’s mapping', () => {
    const mapping = mappingOf(functionId('project-profile'));
    expect(patterns(mapping)).toEqual([
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: 'M#' }] } } } },
    ]);
  });

  it('may write events and counters and read the hash key, and nothing else of the data', () => {
    const fn = resources[functionId('ingest-fan-out')]!;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policy = JSON.stringify(
      entries('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .map(([, p]) => p.Properties.PolicyDocument),
    );
    expect(policy).toContain('DataEventsTable');
    expect(policy).toContain('DataControlTable');
    expect(policy).toContain('dynamodb:BatchWriteItem');
    expect(policy).not.toContain('dynamodb:Scan');
    expect(policy).not.toContain('dynamodb:Query');
    for (const other of ['DataProfilesTable', 'DataMessagesTable', 'DataModelsTable', 'DataContentTable'])
      expect(policy).not.toContain(other);
    expect(fn.Properties.Timeout).toBe(120);
  });
});
