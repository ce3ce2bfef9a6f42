/**
 * Synced audiences' versions on the journeys table (docs/data-model.md), beside the campaigns' saved
 * audiences:
 *
 *   pk 'SYNCED_AUDIENCES'        sk 'AUDIENCE#<id>'   the latest version (the list reads this partition)
 *   pk 'SYNCED_AUDIENCE#<id>'    sk 'V#<version>'     every version, immutable; zero-padded to sort
 *
 * A save writes both in one transaction: the version only if it is new, the latest only if it still
 * is the version the change was made from, so two concurrent edits cannot both become version n.
 */
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AudienceDefinitionStore, StoredAudienceDefinition } from '../../ports/audience-definitions.js';
import { cancellationCode } from './conditions.js';
import { queryAll } from './query.js';

type Options = { readonly client: DynamoDBDocumentClient; readonly tableName: string };

const LIST_PK = 'SYNCED_AUDIENCES';
const latestKey = (id: string) => ({ pk: LIST_PK, sk: `AUDIENCE#${id}` });
const versionKey = (id: string, version: number) => ({
  pk: `SYNCED_AUDIENCE#${id}`,
  sk: `V#${String(version).padStart(10, '0')}`,
});

function fromItem(item: Record<string, unknown> | undefined): StoredAudienceDefinition | undefined {
  if (!item) return undefined;
  const { definition, savedAt, savedBy } = item as unknown as StoredAudienceDefinition;
  return { definition, savedAt, savedBy };
}

export class DynamoDbAudienceDefinitionStore implements AudienceDefinitionStore {
  constructor(private readonly o: Options) {}

  async list(): Promise<StoredAudienceDefinition[]> {
    const items = await queryAll(this.o, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LIST_PK },
    });
    return items.map((i) => fromItem(i)!);
  }

  async get(id: string, version?: number): Promise<StoredAudienceDefinition | undefined> {
    const out = await this.o.client.send(
      new GetCommand({
        TableName: this.o.tableName,
        Key: version === undefined ? latestKey(id) : versionKey(id, version),
        ConsistentRead: true,
      }),
    );
    return fromItem(out.Item);
  }

  async history(id: string, limit: number): Promise<StoredAudienceDefinition[]> {
    const items = await queryAll(
      this.o,
      {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': versionKey(id, 0).pk },
        ScanIndexForward: false,
      },
      { limit },
    );
    return items.map((i) => fromItem(i)!);
  }

  async save(stored: StoredAudienceDefinition): Promise<boolean> {
    const { id, version } = stored.definition;
    const body = { definition: stored.definition, savedAt: stored.savedAt, savedBy: stored.savedBy };
    const latest =
      version === 1
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            // Both names are DynamoDB reserved words.
            ConditionExpression: '#definition.#version = :previous',
            ExpressionAttributeNames: { '#definition': 'definition', '#version': 'version' },
            ExpressionAttributeValues: { ':previous': version - 1 },
          };
    try {
      await this.o.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.o.tableName,
                Item: { ...versionKey(id, version), ...body },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.o.tableName, Item: { ...latestKey(id), ...body }, ...latest } },
          ],
        }),
      );
      return true;
    } catch (err) {
      if ([0, 1].some((action) => cancellationCode(err, action) === 'ConditionalCheckFailed')) return false;
      throw err;
    }
  }
}
