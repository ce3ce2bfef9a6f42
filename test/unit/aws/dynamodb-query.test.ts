import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isConditionalCheckFailed } from '../../../shared/adapters/dynamodb/conditions.js';
import { queryAll } from '../../../shared/adapters/dynamodb/query.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const ddb = mockClient(client);
const table = { client, tableName: 'things' };
const input = { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'P' } };

describe('queryAll', () => {
  beforeEach(() => {
    ddb.reset();
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { pk: 'P', sk: '2' } })
      .resolvesOnce({ Items: [{ n: 3 }], LastEvaluatedKey: { pk: 'P', sk: '3' } })
      .resolvesOnce({ Items: [{ n: 4 }] });
  });

  it('reads every page, each starting at the last key of the one before', async () => {
    expect(await queryAll(table, input)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.ExclusiveStartKey)).toEqual([
      undefined,
      { pk: 'P', sk: '2' },
      { pk: 'P', sk: '3' },
    ]);
    expect(calls.every((c) => c.TableName === 'things' && c.KeyConditionExpression === 'pk = :pk')).toBe(
      true,
    );
  });

  it('reads no further page once the stopping item is read, and returns it last', async () => {
    expect(await queryAll(table, input, { stop: (i) => i.n === 2 })).toEqual([{ n: 1 }, { n: 2 }]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it('returns at most limit items', async () => {
    expect(await queryAll(table, input, { limit: 3 })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
  });
});

describe('isConditionalCheckFailed', () => {
  const cancelled = (...codes: string[]) =>
    new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });

  it('is true for a failed condition, also from another SDK copy (by name)', () => {
    expect(
      isConditionalCheckFailed(new ConditionalCheckFailedException({ message: 'x', $metadata: {} })),
    ).toBe(true);
    expect(
      isConditionalCheckFailed(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' })),
    ).toBe(true);
    expect(isConditionalCheckFailed(new Error('throttled'))).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
  });

  it('names the transaction action whose condition failed', () => {
    const err = cancelled('None', 'ConditionalCheckFailed');
    expect(isConditionalCheckFailed(err, 0)).toBe(false);
    expect(isConditionalCheckFailed(err, 1)).toBe(true);
    expect(isConditionalCheckFailed(err)).toBe(false);
    expect(isConditionalCheckFailed(cancelled('TransactionConflict'), 0)).toBe(false);
  });
});
