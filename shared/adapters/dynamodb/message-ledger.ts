/**
 * The idempotent send ledger on the messages table.
 *
 *   pk = 'LEDGER#<executionId>'  sk = '<step>#<channel>'
 *        st (skipped | sending | sent | failed | unknown), profileId, journey, variantId, purpose, reason,
 *        retryable, retryAt, messageId, providerId, at, leaseUntil (of a `sending` claim), ev (map:
 *        provider event type → first time), lastEvent, lastEventAt, expiresAt
 *   pk = 'MSG#<messageId>'       sk = 'MSG'   executionId, step, channel — finds the ledger entry from
 *                                              provider feedback (SES tag `feltfit_message_id`)
 *
 * A claim is a conditional put: it succeeds when no entry exists or the entry is a skip or a retryable
 * failure, so concurrent or retried invocations of one step send once. With contact pressure the claim
 * and the pressure item's versioned put are one transaction. With `takeoverBefore` (the send path's
 * re-send of an abandoned transactional message) a `sending` entry whose lease ended by that
 * instant is claimable too.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  Channel,
  ClaimResult,
  Ledger,
  LedgerEntry,
  LedgerKey,
  LedgerTakeover,
  PressureSend,
} from '../../ports/channels.js';
import { isConditionalCheckFailed } from './conditions.js';
import { pressurePut } from './message-pressure.js';

export const ledgerKey = (key: LedgerKey) => ({
  pk: `LEDGER#${key.executionId}`,
  sk: `${key.step}#${key.channel}`,
});
const messageKey = (messageId: string) => ({ pk: `MSG#${messageId}`, sk: 'MSG' });

const CLAIMABLE = 'attribute_not_exists(pk) OR st = :skipped OR (st = :failed AND retryable = :true)';
// A `sending` entry without leaseUntil predates leases: it is past any lease.
const ABANDONED = '(st = :sending AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :takeover))';

/** The condition (and its values) of a write that may replace `base` entries, or an abandoned claim too. */
function claimable(base: string, values: Record<string, unknown>, options: LedgerTakeover | undefined) {
  if (!options?.takeoverBefore) return { ConditionExpression: base, ExpressionAttributeValues: values };
  return {
    ConditionExpression: `${base} OR ${ABANDONED}`,
    ExpressionAttributeValues: { ...values, ':sending': 'sending', ':takeover': options.takeoverBefore },
  };
}

function toItem(entry: LedgerEntry, expiresAt: number): Record<string, unknown> {
  return {
    ...ledgerKey(entry),
    executionId: entry.executionId,
    step: entry.step,
    channel: entry.channel,
    profileId: entry.profileId,
    journey: entry.journey,
    variantId: entry.variantId,
    purpose: entry.purpose,
    st: entry.status,
    reason: entry.reason,
    retryable: entry.retryable,
    retryAt: entry.retryAt,
    messageId: entry.messageId,
    providerId: entry.providerId,
    at: entry.at,
    leaseUntil: entry.leaseUntil,
    ev: {},
    expiresAt,
  };
}

function fromItem(item: Record<string, unknown>): LedgerEntry {
  const str = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : undefined);
  return {
    executionId: String(item.executionId),
    step: String(item.step),
    channel: String(item.channel) as Channel,
    profileId: String(item.profileId),
    journey: String(item.journey),
    purpose: item.purpose === 'transactional' ? 'transactional' : 'marketing',
    status: String(item.st) as LedgerEntry['status'],
    at: String(item.at),
    ...(str('variantId') ? { variantId: str('variantId') } : {}),
    ...(str('reason') ? { reason: str('reason') } : {}),
    ...(typeof item.retryable === 'boolean' ? { retryable: item.retryable } : {}),
    ...(str('retryAt') ? { retryAt: str('retryAt') } : {}),
    ...(str('messageId') ? { messageId: str('messageId') } : {}),
    ...(str('providerId') ? { providerId: str('providerId') } : {}),
    ...(str('leaseUntil') ? { leaseUntil: str('leaseUntil') } : {}),
  };
}

/** DynamoDB implementation of Ledger. */
export class DynamoDbLedger implements Ledger {
  constructor(
    private readonly options: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly retentionDays: number;
      /** Backoff between transaction-conflict retries (tests may pass a no-op). */
      readonly sleep?: (ms: number) => Promise<void>;
    },
  ) {}

  private expiresAt(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + this.options.retentionDays * 86_400;
  }

  async get(key: LedgerKey): Promise<LedgerEntry | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: ledgerKey(key), ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async claim(
    entry: LedgerEntry,
    pressure?: { readonly expectedVersion: number; readonly sends: readonly PressureSend[] },
    options?: LedgerTakeover,
  ): Promise<ClaimResult> {
    const put = {
      TableName: this.options.tableName,
      Item: toItem(entry, this.expiresAt(entry.at)),
      ...claimable(CLAIMABLE, { ':skipped': 'skipped', ':failed': 'failed', ':true': true }, options),
    };
    if (!pressure) {
      try {
        await this.options.client.send(new PutCommand(put));
        return { kind: 'claimed' };
      } catch (err) {
        if (isConditionalCheckFailed(err)) return this.duplicate(entry);
        throw err;
      }
    }
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: put },
              {
                Put: pressurePut(
                  this.options.tableName,
                  entry.profileId,
                  entry.channel,
                  pressure.expectedVersion,
                  pressure.sends,
                ),
              },
            ],
          }),
        );
        return { kind: 'claimed' };
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        // Action 0 is the ledger entry, 1 the pressure slot.
        if (isConditionalCheckFailed(err, 0)) return this.duplicate(entry);
        if (isConditionalCheckFailed(err, 1)) return { kind: 'pressure_conflict' };
        // TransactionConflict: another claim of the same items is in flight; back off and look again.
        if (attempt >= 6) return { kind: 'pressure_conflict' };
        await sleep(Math.floor(Math.random() * 20 * 2 ** attempt));
      }
    }
  }

  private async duplicate(entry: LedgerEntry): Promise<ClaimResult> {
    const existing = await this.get(entry);
    // The winner may already have been overwritten by nothing else; absent means it vanished (TTL).
    return { kind: 'duplicate', existing: existing ?? { ...entry, status: 'sending' } };
  }

  async recordSkip(entry: LedgerEntry, options?: LedgerTakeover): Promise<LedgerEntry | undefined> {
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: toItem(entry, this.expiresAt(entry.at)),
          ...claimable('attribute_not_exists(pk) OR st = :skipped', { ':skipped': 'skipped' }, options),
        }),
      );
      return undefined;
    } catch (err) {
      // A decided send is never overwritten by a later skip.
      if (!isConditionalCheckFailed(err)) throw err;
      return (await this.get(entry)) ?? undefined;
    }
  }

  async settle(entry: LedgerEntry): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':st': entry.status, ':mid': entry.messageId, ':at': entry.at };
    const sets = ['st = :st', 'settledAt = :at'];
    for (const field of ['reason', 'retryable', 'providerId'] as const) {
      if (entry[field] !== undefined) {
        sets.push(`#${field} = :${field}`);
        names[`#${field}`] = field;
        values[`:${field}`] = entry[field];
      }
    }
    // Only the invocation that claimed (same messageId and, a re-send keeping the messageId, same lease) settles.
    let condition = 'messageId = :mid';
    if (entry.leaseUntil) {
      condition += ' AND (attribute_not_exists(leaseUntil) OR leaseUntil = :lease)';
      values[':lease'] = entry.leaseUntil;
    }
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: ledgerKey(entry),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      }),
    );
    if (entry.status === 'sent' && entry.messageId) {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...messageKey(entry.messageId),
            executionId: entry.executionId,
            step: entry.step,
            channel: entry.channel,
            expiresAt: this.expiresAt(entry.at),
          },
        }),
      );
    }
  }

  async findByMessageId(messageId: string): Promise<LedgerEntry | undefined> {
    const index = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: messageKey(messageId) }),
    );
    if (!index.Item) return undefined;
    return this.get({
      executionId: String(index.Item.executionId),
      step: String(index.Item.step),
      channel: String(index.Item.channel) as Channel,
    });
  }

  async recordEvent(messageId: string, event: { type: string; at: string }): Promise<void> {
    const entry = await this.findByMessageId(messageId);
    if (!entry) return;
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: ledgerKey(entry),
        UpdateExpression: 'SET ev.#t = if_not_exists(ev.#t, :at), lastEvent = :t, lastEventAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#t': event.type },
        ExpressionAttributeValues: { ':t': event.type, ':at': event.at },
      }),
    );
  }
}
