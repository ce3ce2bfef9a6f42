import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  IndexedProfileItemsHolder,
  MESSAGES_LAYOUT,
} from '../../../shared/adapters/dynamodb/privacy-indexed-holder.js';
import { StepFunctionsPrivacyJobRunner } from '../../../shared/adapters/sfn/privacy-job-runner.js';
import type { Person } from '../../../shared/ports/privacy.js';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

const person: Person = {
  profileId: 'pf_a',
  mergedProfileIds: ['pf_b'],
  userIds: [],
  anonymousIds: [],
  emails: [],
  phones: [],
  deviceIds: [],
};
const noRetryWait = {
  maxAttempts: 3,
  baseDelayMs: 0,
  maxDelayMs: 0,
  sleep: async () => {},
  random: () => 0,
};

beforeEach(() => {
  ddb.reset();
  sfn.reset();
});

describe('IndexedProfileItemsHolder', () => {
  it('queries the byProfile index and the profile partitions, batch-gets what the index names, and never scans', async () => {
    ddb.on(ScanCommand).rejects(new Error('no scans'));
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb
      .on(QueryCommand, { IndexName: 'byProfile', ExpressionAttributeValues: { ':p': 'pf_a' } })
      .resolves({ Items: [{ pk: 'LEDGER#ex1', sk: 'welcome#email', profileId: 'pf_a' }] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'INBOX#pf_b' } }).resolves({
      Items: [{ pk: 'INBOX#pf_b', sk: 'M#1', title: 'Hi' }],
    });
    // The first BatchGet leaves its key unprocessed once; the holder asks again.
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { messages: [] },
        UnprocessedKeys: { messages: { Keys: [{ pk: 'LEDGER#ex1', sk: 'welcome#email' }] } },
      })
      .resolvesOnce({
        Responses: { messages: [{ pk: 'LEDGER#ex1', sk: 'welcome#email', messageId: 'm-1' }] },
      })
      .resolves({ Responses: { messages: [{ pk: 'MSG#m-1', sk: 'MSG' }] } });
    ddb.on(BatchWriteCommand).resolves({});
    const holder = new IndexedProfileItemsHolder('messages', {
      client,
      tableName: 'messages',
      layout: MESSAGES_LAYOUT,
      retry: noRetryWait,
    });
    expect(await holder.erase(person)).toBe(3);

    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    const indexQueries = queries.filter((q) => q.IndexName === 'byProfile');
    expect(indexQueries.map((q) => q.ExpressionAttributeValues?.[':p']).sort()).toEqual(['pf_a', 'pf_b']);
    // An index is read eventually consistently; the base table consistently.
    expect(indexQueries.every((q) => q.ConsistentRead === undefined)).toBe(true);
    expect(
      queries
        .filter((q) => !q.IndexName)
        .map((q) => q.ExpressionAttributeValues?.[':pk'])
        .sort(),
    ).toEqual(['INBOX#pf_a', 'INBOX#pf_b', 'PRESSURE#pf_a', 'PRESSURE#pf_b', 'SUP#P#pf_a', 'SUP#P#pf_b']);
    const gets = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.messages?.Keys);
    expect(gets).toEqual([
      [{ pk: 'LEDGER#ex1', sk: 'welcome#email' }],
      [{ pk: 'LEDGER#ex1', sk: 'welcome#email' }],
      [{ pk: 'MSG#m-1', sk: 'MSG' }],
    ]);
    const deleted = ddb
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => (c.args[0].input.RequestItems?.messages ?? []).map((r) => r.DeleteRequest?.Key));
    expect(deleted).toEqual(
      expect.arrayContaining([
        { pk: 'LEDGER#ex1', sk: 'welcome#email' },
        { pk: 'INBOX#pf_b', sk: 'M#1' },
        { pk: 'MSG#m-1', sk: 'MSG' },
      ]),
    );
  });
});

describe('StepFunctionsPrivacyJobRunner', () => {
  const runner = () =>
    new StepFunctionsPrivacyJobRunner({
      client: sfn as unknown as SFNClient,
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:feltfit-privacy-job',
    });

  it('starts the execution <jobId>-<attempt> with an input naming the job only', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
    await runner().start(`pj_e_${'a'.repeat(32)}`, 2);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:feltfit-privacy-job',
      name: `pj_e_${'a'.repeat(32)}-2`,
      input: JSON.stringify({ jobId: `pj_e_${'a'.repeat(32)}`, attempt: 2 }),
    });
  });

  it('treats an attempt already started as started, and rethrows anything else', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }))
      .rejects(new Error('throttled'));
    await expect(runner().start(`pj_x_${'b'.repeat(32)}`, 1)).resolves.toBeUndefined();
    await expect(runner().start(`pj_x_${'b'.repeat(32)}`, 1)).rejects.toThrow('throttled');
  });
});
