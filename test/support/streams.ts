/** Reading a table's DynamoDB stream whole from DynamoDB Local, for tests that check what it carried. */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** Every record the table's stream holds so far, each shard read from TRIM_HORIZON, in shard order. */
export async function streamRecords(endpoint: string, tableName: string): Promise<_Record[]> {
  const ddb = new DynamoDBClient({ ...local, endpoint });
  const streams = new DynamoDBStreamsClient({ ...local, endpoint });
  const records: _Record[] = [];
  try {
    const table = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = table.Table!.LatestStreamArn!;
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!
      .Shards!;
    for (const shard of shards) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shard.ShardId!,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        records.push(...(page.Records ?? []));
        // An open shard hands out an iterator forever: an empty page is its end for now.
        if (!page.Records?.length) break;
        iterator = page.NextShardIterator;
      }
    }
  } finally {
    ddb.destroy();
    streams.destroy();
  }
  return records;
}
