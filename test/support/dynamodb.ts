import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { TABLES, type TableName, type TableSpec } from '../../shared/adapters/dynamodb/tables.js';

/** A DynamoDB client for the run's DynamoDB Local (started by test/support/global-dynamodb.ts). */
export function localClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

function keySchema(pk: string, sk?: string): KeySchemaElement[] {
  return sk
    ? [
        { AttributeName: pk, KeyType: 'HASH' },
        { AttributeName: sk, KeyType: 'RANGE' },
      ]
    : [{ AttributeName: pk, KeyType: 'HASH' }];
}

async function createTable(client: DynamoDBClient, name: string, spec: TableSpec): Promise<void> {
  const attrs = new Set<string>([spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])]);
  for (const g of spec.globalIndexes ?? []) {
    attrs.add(g.partitionKey);
    if (g.sortKey) attrs.add(g.sortKey);
  }
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attrs].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
      KeySchema: keySchema(spec.partitionKey, spec.sortKey),
      ...(spec.globalIndexes?.length
        ? {
            GlobalSecondaryIndexes: spec.globalIndexes.map((g) => ({
              IndexName: g.name,
              KeySchema: keySchema(g.partitionKey, g.sortKey),
              Projection: { ProjectionType: g.projection ?? 'ALL' },
            })),
          }
        : {}),
      ...(spec.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream } } : {}),
    }),
  );
}

/**
 * Creates every Feltfit table under a unique prefix for one test file, and returns the names keyed
 * both by table (`tables.events`) and by env var (`env.EVENTS_TABLE`).
 */
export async function createTestTables(client: DynamoDBClient = localClient()) {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const tables = {} as Record<TableName, string>;
  const env: Record<string, string> = {};
  for (const [key, spec] of Object.entries(TABLES) as [TableName, TableSpec][]) {
    const name = `${prefix}-${key}`;
    await createTable(client, name, spec);
    tables[key] = name;
    env[spec.envVar] = name;
  }
  return { client, tables, env, prefix };
}
