import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Resolver } from './template.js';

/**
 * Creates every AWS::DynamoDB::Table of the template in DynamoDB Local, from the template's own
 * key schemas, indexes, streams and TTL, and binds each logical id to its local table name.
 * Encryption, PITR and deletion protection have no local meaning and are ignored.
 */
export async function createTemplateTables(
  client: DynamoDBClient,
  resolver: Resolver,
  prefix = 'feltfit',
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const [id, res] of resolver.ofType('AWS::DynamoDB::Table')) {
    const p = res.Properties ?? {};
    const tableName = (p.TableName as string | undefined) ?? `${prefix}-${id}`;
    const input: CreateTableCommandInput = {
      TableName: tableName,
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      BillingMode: 'PAY_PER_REQUEST',
    };
    const gsis = p.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'];
    if (gsis?.length)
      input.GlobalSecondaryIndexes = gsis.map(({ IndexName, KeySchema, Projection }) => ({
        IndexName,
        KeySchema,
        Projection,
      }));
    const lsis = p.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'];
    if (lsis?.length) input.LocalSecondaryIndexes = lsis;
    const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
    if (stream?.StreamViewType) {
      input.StreamSpecification = {
        StreamEnabled: true,
        StreamViewType: stream.StreamViewType as 'NEW_IMAGE',
      };
    }
    try {
      await client.send(new CreateTableCommand(input));
      const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled && ttl.AttributeName) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
    } catch (err) {
      // A persisted DynamoDB Local (npm start) keeps its tables between runs.
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    let described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A table kept from an older run lacks the indexes added since (e.g. erasure's byProfile).
    const existing = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const gsi of input.GlobalSecondaryIndexes ?? []) {
      if (existing.has(gsi.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: input.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: gsi }],
        }),
      );
      // Queries fail until the index has been backfilled.
      for (let i = 0; i < 600; i++) {
        described = await client.send(new DescribeTableCommand({ TableName: tableName }));
        const status = described.Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === gsi.IndexName);
        if (status?.IndexStatus === 'ACTIVE') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    resolver.bind(id, {
      ref: tableName,
      attrs: {
        Arn: described.Table?.TableArn ?? `arn:aws:dynamodb:us-east-1:000000000000:table/${tableName}`,
        // DynamoDB Local's real stream ARN, so the stream mappings can read it.
        ...(described.Table?.LatestStreamArn ? { StreamArn: described.Table.LatestStreamArn } : {}),
      },
    });
    names[id] = tableName;
  }
  return names;
}
