import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TABLES, type TableName, type TableSpec } from '../../shared/adapters/dynamodb/tables.js';
import type { FeltfitFunction } from './feltfit-function.js';

export interface DataProps {
  readonly deletionProtection: boolean;
}

/** Table access a function is granted. */
export type TableAccess = 'r' | 'w' | 'rw';

/**
 * The data layer: one customer-managed KMS key (rotated yearly) and the DynamoDB tables described in
 * shared/adapters/dynamodb/tables.ts, on demand, with point-in-time recovery, TTL and streams; and the
 * identity hash key, under which every identifier, address and person key in the tables is hashed.
 */
export class Data extends Construct {
  readonly key: kms.Key;
  readonly tables: Record<TableName, dynamodb.Table>;
  /** The identity hash keyring (`{"current":"k1","k1":…}`, docs/privacy.md §8), encrypted with `key`. */
  readonly hashKey: secretsmanager.Secret;
  /** The synced audiences' holdout key: who is held out of every upload (docs/audiences.md). */
  readonly audienceHoldoutKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Feltfit data encryption key (events, profiles, control plane)',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const tables = {} as Record<TableName, dynamodb.Table>;
    for (const [name, spec] of Object.entries(TABLES) as [TableName, TableSpec][]) {
      const table = new dynamodb.Table(this, `${name[0]!.toUpperCase()}${name.slice(1)}Table`, {
        partitionKey: { name: spec.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(spec.sortKey ? { sortKey: { name: spec.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
        ...(spec.stream ? { stream: dynamodb.StreamViewType[spec.stream] } : {}),
        deletionProtection: props.deletionProtection,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const g of spec.globalIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: g.name,
          partitionKey: { name: g.partitionKey, type: dynamodb.AttributeType.STRING },
          ...(g.sortKey ? { sortKey: { name: g.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
          projectionType:
            g.projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
        });
      }
      tables[name] = table;
    }
    this.tables = tables;
    this.hashKey = new secretsmanager.Secret(this, 'IdentityHashKey', {
      description: 'HMAC-SHA-256 keyring of identifier, address and person-key hashes (docs/privacy.md)',
      encryptionKey: this.key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: 'k1' }),
        generateStringKey: 'k1',
        passwordLength: 64,
        excludePunctuation: true,
      },
      // Losing the key orphans every hashed key in the tables: it outlives the stack like they do.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.hashKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the identity hash key is a data migration (rehash of the index), not a secret swap: added by hand and rehashed with feltfit keys rehash (docs/privacy.md).',
    });
    // Its own key, not the identity keyring: a rehash must not move people in or out of a holdout.
    this.audienceHoldoutKey = new secretsmanager.Secret(this, 'AudienceHoldoutKey', {
      description: 'HMAC-SHA-256 key that draws each synced audience’s holdout (docs/audiences.md)',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      // A new key redraws every holdout, and with it every lift measured so far.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.audienceHoldoutKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the holdout key redraws every audience’s holdout and ends its lift measurement: it is never rotated on a schedule.',
    });
  }

  /**
   * Lets a function read the audiences' holdout key (GetSecretValue on that one secret) and names it
   * in AUDIENCE_HOLDOUT_KEY_ARN, read through the secrets extension like the identity hash key.
   */
  bindAudienceHoldoutKey(fn: FeltfitFunction): void {
    this.audienceHoldoutKey.grantRead(fn);
    fn.addEnvironment('AUDIENCE_HOLDOUT_KEY_ARN', this.audienceHoldoutKey.secretArn);
  }

  /**
   * Lets a function read the identity hash key (GetSecretValue on that one secret, Decrypt through
   * Secrets Manager) and names it in IDENTITY_HMAC_KEY_ARN; the function reads it at cold start through
   * the secrets extension (`secretsExtension: true`).
   */
  bindHashKey(fn: FeltfitFunction): void {
    this.hashKey.grantRead(fn);
    fn.addEnvironment('IDENTITY_HMAC_KEY_ARN', this.hashKey.secretArn);
  }

  /** Grants a function access to a table and hands it the table's name, in one step. */
  bind(fn: FeltfitFunction, name: TableName, access: TableAccess): void {
    const table = this.tables[name];
    if (access === 'r') table.grantReadData(fn);
    else {
      if (access === 'w') table.grantWriteData(fn);
      else table.grantReadWriteData(fn);
      fn.acknowledgeKmsGrantWildcards();
    }
    fn.addEnvironment(TABLES[name].envVar, table.tableName);
    const spec: TableSpec = TABLES[name];
    if (spec.globalIndexes?.length) {
      const id = Stack.of(this).getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${id}.Arn>/index/*]`,
        reason: `Queries of the ${name} table’s own secondary indexes (DynamoDB grant covers its indexes).`,
      });
    }
  }
}
