import { randomBytes } from 'node:crypto';
import { DescribeTableCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTemplateTables } from '../../../infra/local/dynamodb-tables.js';
import { Resolver } from '../../../infra/local/template.js';
import { localClient } from '../../support/dynamodb.js';

const client = localClient();

/** A template with one table, with or without the byProfile index. */
function template(withIndex: boolean) {
  return {
    Resources: {
      Messages: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            ...(withIndex ? [{ AttributeName: 'profileId', AttributeType: 'S' }] : []),
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          ...(withIndex
            ? {
                GlobalSecondaryIndexes: [
                  {
                    IndexName: 'byProfile',
                    KeySchema: [{ AttributeName: 'profileId', KeyType: 'HASH' }],
                    Projection: { ProjectionType: 'KEYS_ONLY' },
                  },
                ],
              }
            : {}),
        },
      },
    },
  };
}

describe('local tables from the template', () => {
  it('adds an index the template gained to a table kept from an earlier run, and the index answers', async () => {
    const prefix = `gsi${randomBytes(4).toString('hex')}`;
    const first = await createTemplateTables(client, new Resolver(template(false)), prefix);
    const name = first.Messages!;
    await client.send(
      new PutItemCommand({
        TableName: name,
        Item: { pk: { S: 'LEDGER#1' }, sk: { S: 's' }, profileId: { S: 'pf_a' } },
      }),
    );
    // The next `npm start` finds the table in place and a template that indexes it.
    await createTemplateTables(client, new Resolver(template(true)), prefix);
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus])).toEqual([
      ['byProfile', 'ACTIVE'],
    ]);
    const found = await client.send(
      new QueryCommand({
        TableName: name,
        IndexName: 'byProfile',
        KeyConditionExpression: 'profileId = :p',
        ExpressionAttributeValues: { ':p': { S: 'pf_a' } },
      }),
    );
    expect(found.Items?.map((i) => i.pk?.S)).toEqual(['LEDGER#1']);
    // A third start changes nothing.
    await expect(createTemplateTables(client, new Resolver(template(true)), prefix)).resolves.toEqual(first);
  });
});
