/**
 * SourceStore on the control table.
 *
 *   pk = 'SOURCE#<name>',          sk = 'SOURCE'    name, sourceId, status, createdAt, revokedAt?, keyHash?
 *   pk = 'WRITEKEY#<sha256(key)>', sk = 'WRITEKEY'  sourceId, name, createdAt   (the clear key is never stored)
 *   pk = 'SOURCES',                sk = '<name>'    directory entry, so `list` is a Query, not a Scan
 *
 * Create and revoke are transactions, so the three items never disagree.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import type { ResolvedSource, Source, SourceStore } from '../../ports/sources.js';
import { isConditionalCheckFailed } from './conditions.js';

const sourceKey = (name: string) => ({ pk: `SOURCE#${name}`, sk: 'SOURCE' });
const writeKeyKey = (keyHash: string) => ({ pk: `WRITEKEY#${keyHash}`, sk: 'WRITEKEY' });
const directoryKey = (name: string) => ({ pk: 'SOURCES', sk: name });

/** DynamoDB implementation of SourceStore. */
export class DynamoDbSourceStore implements SourceStore {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async create(source: {
    name: string;
    sourceId: string;
    keyHash: string;
    createdAt: string;
  }): Promise<void> {
    const TableName = this.options.tableName;
    const record = {
      name: source.name,
      sourceId: source.sourceId,
      status: 'active',
      createdAt: source.createdAt,
    };
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: { ...sourceKey(source.name), ...record, keyHash: source.keyHash },
                // A revoked name may be re-used; an active one may not.
                ConditionExpression: 'attribute_not_exists(pk) OR #s = :revoked',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':revoked': 'revoked' },
              },
            },
            {
              Put: {
                TableName,
                Item: {
                  ...writeKeyKey(source.keyHash),
                  sourceId: source.sourceId,
                  name: source.name,
                  createdAt: source.createdAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName, Item: { ...directoryKey(source.name), ...record } } },
          ],
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err, 0)) {
        throw new ConflictError(
          'source_exists',
          `an active source named '${source.name}' already exists`,
          {},
          { cause: err },
        );
      }
      throw err;
    }
  }

  async revoke(name: string, revokedAt: string): Promise<void> {
    const TableName = this.options.tableName;
    const current = await this.options.client.send(
      new GetCommand({ TableName, Key: sourceKey(name), ConsistentRead: true }),
    );
    const item = current.Item;
    if (item?.status !== 'active' || typeof item.keyHash !== 'string') {
      throw new NotFoundError('source_not_found', `no active source named '${name}'`);
    }
    try {
      await this.options.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: sourceKey(name),
                UpdateExpression: 'SET #s = :revoked, revokedAt = :at REMOVE keyHash',
                ConditionExpression: 'keyHash = :hash',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':revoked': 'revoked', ':at': revokedAt, ':hash': item.keyHash },
              },
            },
            { Delete: { TableName, Key: writeKeyKey(item.keyHash) } },
            {
              Update: {
                TableName,
                Key: directoryKey(name),
                UpdateExpression: 'SET #s = :revoked, revokedAt = :at',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':revoked': 'revoked', ':at': revokedAt },
              },
            },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        throw new NotFoundError('source_not_found', `no active source named '${name}'`, {}, { cause: err });
      }
      throw err;
    }
  }

  async findByKeyHash(keyHash: string): Promise<ResolvedSource | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: writeKeyKey(keyHash) }),
    );
    return out.Item ? { sourceId: String(out.Item.sourceId), name: String(out.Item.name) } : undefined;
  }

  async list(): Promise<Source[]> {
    const sources: Source[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'SOURCES' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        sources.push({
          name: String(item.name),
          sourceId: String(item.sourceId),
          status: item.status === 'revoked' ? 'revoked' : 'active',
          createdAt: String(item.createdAt),
          ...(item.revokedAt ? { revokedAt: String(item.revokedAt) } : {}),
        });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return sources;
  }
}
