import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsClient } from '../aws/clients.js';

/**
 * A DocumentClient with Feltfit's marshalling options. The endpoint comes from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` variable when set (DynamoDB Local), so callers never special-case local;
 * timeouts and retries are the factory's (shared/adapters/aws/clients.ts).
 */
export function documentClient(config: DynamoDBClientConfig | DynamoDBClient = {}): DynamoDBDocumentClient {
  const client = config instanceof DynamoDBClient ? config : awsClient(DynamoDBClient, 'dynamodb', config);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
