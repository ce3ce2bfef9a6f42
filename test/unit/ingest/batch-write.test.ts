import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { batchPut, DEFAULT_RETRY } from '../../../shared/adapters/dynamodb/batch-write.js';
import { DependencyUnavailableError } from '../../../shared/domain/errors.js';
import { StoreThrottledError } from '../../../shared/domain/store-errors.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `p${i}`, sk: 's' }));

function setup() {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const mock = mockClient(doc);
  const sleeps: number[] = [];
  const retry = { ...DEFAULT_RETRY, sleep: async (ms: number) => void sleeps.push(ms), random: () => 1 };
  return { doc, mock, sleeps, retry };
}

describe('batchPut', () => {
  it('writes in chunks of 25', async () => {
    const { doc, mock, retry } = setup();
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    await batchPut(doc, 't', items(60), retry);
    const sizes = mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t?.length);
    expect(sizes.sort()).toEqual([10, 25, 25]);
  });

  it('retries unprocessed items with growing, capped delays', async () => {
    const { doc, mock, sleeps, retry } = setup();
    const leftover = [{ PutRequest: { Item: { pk: 'p0', sk: 's' } } }];
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: leftover } })
      .resolvesOnce({ UnprocessedItems: { t: leftover } })
      .resolves({ UnprocessedItems: {} });
    await batchPut(doc, 't', items(3), retry);
    expect(mock.commandCalls(BatchWriteCommand).at(-1)?.args[0].input.RequestItems?.t).toEqual(leftover);
    expect(sleeps).toEqual([25, 50]);
  });

  it('gives up after the last attempt with a retryable error', async () => {
    const { doc, mock, retry } = setup();
    mock
      .on(BatchWriteCommand)
      .resolves({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'p0', sk: 's' } } }] } });
    await expect(batchPut(doc, 't', items(1), { ...retry, maxAttempts: 3 })).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });
});

describe('batchPut under throttling', () => {
  it('retries a thrown ProvisionedThroughputExceededException, then writes', async () => {
    const { doc, mock, retry } = setup();
    const throttle = Object.assign(new Error('throttled'), {
      name: 'ProvisionedThroughputExceededException',
    });
    mock.on(BatchWriteCommand).rejectsOnce(throttle).resolves({ UnprocessedItems: {} });
    await batchPut(doc, 't', items(2), retry);
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(2);
  });

  it('gives up with StoreThrottledError when throttling outlasts the attempts', async () => {
    const { doc, mock, retry } = setup();
    mock
      .on(BatchWriteCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(batchPut(doc, 't', items(1), { ...retry, maxAttempts: 2 })).rejects.toBeInstanceOf(
      StoreThrottledError,
    );
  });

  it('passes other errors through unretried', async () => {
    const { doc, mock, retry } = setup();
    mock.on(BatchWriteCommand).rejects(Object.assign(new Error('bad'), { name: 'ValidationException' }));
    await expect(batchPut(doc, 't', items(1), retry)).rejects.toThrow('bad');
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });
});
