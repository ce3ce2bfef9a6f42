/** Deletes raw events of tombstoned (erased) people from the events table. */
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RawEventEraser } from '../../ports/profiles.js';

/** DynamoDB implementation of RawEventEraser. */
export class DynamoDbRawEventEraser implements RawEventEraser {
  constructor(
    private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  ) {}

  async deleteRawEvent(key: { readonly pk: string; readonly sk: string }): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: { pk: key.pk, sk: key.sk } }),
    );
  }
}
