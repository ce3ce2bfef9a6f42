import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerKeyring } from '../../../shared/adapters/aws/keyring-secret.js';
import { DynamoDbKeyRehash } from '../../../shared/adapters/dynamodb/key-rehash.js';
import { encodeState } from '../../../shared/adapters/dynamodb/profile-store.js';
import { addressHashes } from '../../../shared/domain/channels/hashing.js';
import {
  HashKeyUnavailableError,
  keyedHasher,
  rotatedKeyring,
} from '../../../shared/domain/privacy/keyed-hash.js';
import { keyedItemOf, rehashMoves } from '../../../shared/domain/privacy/rehash.js';
import { identifierHashes } from '../../../shared/domain/profiles/identifiers.js';
import { emptyState } from '../../../shared/domain/profiles/state.js';
import { TEST_HASH_KEY } from '../../support/hasher.js';

const K2 = 'a-second-identity-hash-key-0123456789abcdef';
const rotated = keyedHasher({ current: 'k2', k2: K2, k1: TEST_HASH_KEY });
const state = {
  ...emptyState(),
  identities: { ...emptyState().identities, userId: ['u-1'], email: ['ann@example.com'] },
};

describe('rotating the keyring', () => {
  it('adds k<n+1> after the highest key and makes it current, keeping the others', () => {
    const { keyring, keyId } = rotatedKeyring({ current: 'k2', k1: TEST_HASH_KEY, k2: K2 }, 'x'.repeat(64));
    expect(keyId).toBe('k3');
    expect(keyring).toEqual({ current: 'k3', k1: TEST_HASH_KEY, k2: K2, k3: 'x'.repeat(64) });
    expect(() => rotatedKeyring({ current: 'k1', k1: TEST_HASH_KEY }, 'short')).toThrow();
  });
});

describe('what a rehash moves', () => {
  it('names each identifier’s pointer and tombstone and each address’s suppression under every key', () => {
    const moves = rehashMoves(state, rotated);
    const [k2, k1] = identifierHashes({ type: 'email', value: 'ann@example.com' }, rotated);
    expect(moves).toContainEqual({ kind: 'pointers', to: `ID#email#${k2}`, from: [`ID#email#${k1}`] });
    expect(moves).toContainEqual({
      kind: 'tombstones',
      to: `TOMBSTONE#email#${k2}`,
      from: [`TOMBSTONE#email#${k1}`],
    });
    const [a2, a1] = addressHashes(rotated, 'email', 'ann@example.com');
    expect(moves).toContainEqual({ kind: 'suppressions', to: `SUP#A#${a2}`, from: [`SUP#A#${a1}`] });
    expect(moves).toHaveLength(5);
    expect(rehashMoves(state, keyedHasher({ current: 'k1', k1: TEST_HASH_KEY }))).toEqual([]);
  });

  it('tells keyed items and their key id from other items', () => {
    expect(keyedItemOf(`ID#email#k2.${'a'.repeat(64)}`)).toEqual({ kind: 'pointers', keyId: 'k2' });
    expect(keyedItemOf(`TOMBSTONE#phone#k1.${'b'.repeat(64)}`)).toEqual({ kind: 'tombstones', keyId: 'k1' });
    expect(keyedItemOf(`SUP#A#${'c'.repeat(64)}`)).toEqual({ kind: 'suppressions', keyId: 'unkeyed' });
    expect(keyedItemOf('SUP#P#pf_a')).toBeUndefined();
    expect(keyedItemOf('PROFILE#pf_a')).toBeUndefined();
  });
});

const sm = mockClient(SecretsManagerClient);
const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  sm.reset();
  ddb.reset();
});

describe('SecretsManagerKeyring', () => {
  const secret = () =>
    new SecretsManagerKeyring({
      client: new SecretsManagerClient({ region: 'us-east-1' }),
      secretId: 'arn:s',
    });

  it('reads the keyring JSON of the current version and writes a rotated one as a new version', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arn:s' }).resolves({
      SecretString: JSON.stringify({ current: 'k1', k1: TEST_HASH_KEY }),
    });
    sm.on(PutSecretValueCommand).resolves({});
    const ring = await secret().read();
    expect(ring).toEqual({ current: 'k1', k1: TEST_HASH_KEY });
    await secret().write(rotatedKeyring(ring, K2).keyring);
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: 'arn:s',
      SecretString: JSON.stringify({ current: 'k2', k1: TEST_HASH_KEY, k2: K2 }),
    });
  });

  it('refuses a secret that is not a keyring', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(secret().read()).rejects.toBeInstanceOf(HashKeyUnavailableError);
  });
});

describe('DynamoDbKeyRehash', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const rehash = () =>
    new DynamoDbKeyRehash({ client, profilesTable: 'profiles', messagesTable: 'messages', hasher: rotated });

  it('copies an old-key item to its current key unless one is there, then deletes the old one', async () => {
    const [p2, p1] = identifierHashes({ type: 'userId', value: 'u-1' }, rotated).map((h) => `ID#userId#${h}`);
    const [a2, a1] = addressHashes(rotated, 'email', 'ann@example.com').map((h) => `SUP#A#${h}`);
    ddb.on(ScanCommand, { TableName: 'profiles' }).resolves({
      Items: [
        {
          pk: 'PROFILE#pf_a',
          sk: 'PROFILE',
          profileId: 'pf_a',
          version: 1,
          createdAt: 't',
          updatedAt: 't',
          z: encodeState(state),
        },
      ],
    });
    ddb
      .on(BatchGetCommand)
      .resolves({ Responses: { profiles: [{ pk: p1, sk: 'ID', profileId: 'pf_a', idType: 'userId' }] } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': a1 } })
      .resolves({ Items: [{ pk: a1, sk: 'hard_bounce', channel: 'email', reason: 'hard_bounce' }] });
    ddb.on(PutCommand).resolves({});
    ddb
      .on(PutCommand, { Item: { pk: a2 } })
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    ddb.on(DeleteCommand).resolves({});

    const summary = await rehash().rehash();

    expect(ddb.commandCalls(ScanCommand)[0]!.args[0].input).toMatchObject({
      TableName: 'profiles',
      FilterExpression: 'sk = :profile',
      ExpressionAttributeValues: { ':profile': 'PROFILE' },
    });
    const keys = ddb.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!.profiles!;
    expect(keys.ConsistentRead).toBe(true);
    expect(keys.Keys).toEqual(expect.arrayContaining([{ pk: p1, sk: 'ID' }]));
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([
      {
        TableName: 'profiles',
        Item: { pk: p2, sk: 'ID', profileId: 'pf_a', idType: 'userId' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      {
        TableName: 'messages',
        Item: { pk: a2, sk: 'hard_bounce', channel: 'email', reason: 'hard_bounce' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    ]);
    expect(ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'profiles', Key: { pk: p1, sk: 'ID' } },
      { TableName: 'messages', Key: { pk: a1, sk: 'hard_bounce' } },
    ]);
    expect(summary).toEqual({
      profiles: 1,
      rewritten: { pointers: 1, tombstones: 0, suppressions: 0 },
      superseded: { pointers: 0, tombstones: 0, suppressions: 1 },
    });
  });

  it('counts keyed items per key id from a keys-only scan of both tables, page by page', async () => {
    ddb
      .on(ScanCommand, { TableName: 'profiles' })
      .resolvesOnce({
        Items: [{ pk: `ID#email#k1.${'a'.repeat(64)}` }],
        LastEvaluatedKey: { pk: 'x', sk: 'y' },
      })
      .resolves({
        Items: [{ pk: `TOMBSTONE#email#k2.${'b'.repeat(64)}` }, { pk: `ID#userId#k1.${'c'.repeat(64)}` }],
      });
    ddb
      .on(ScanCommand, { TableName: 'messages' })
      .resolves({ Items: [{ pk: `SUP#A#k2.${'d'.repeat(64)}` }] });
    expect(await rehash().counts()).toEqual({
      pointers: { k1: 2 },
      tombstones: { k2: 1 },
      suppressions: { k2: 1 },
    });
    const scans = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans[0]).toMatchObject({
      TableName: 'profiles',
      ProjectionExpression: 'pk',
      FilterExpression: 'begins_with(pk, :p0) OR begins_with(pk, :p1)',
      ExpressionAttributeValues: { ':p0': 'ID#', ':p1': 'TOMBSTONE#' },
    });
    expect(scans[1]).toMatchObject({ ExclusiveStartKey: { pk: 'x', sk: 'y' } });
    expect(scans[2]).toMatchObject({ TableName: 'messages', ExpressionAttributeValues: { ':p0': 'SUP#A#' } });
  });
});
