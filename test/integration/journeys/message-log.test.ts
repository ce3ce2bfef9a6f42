import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbJourneyPauses } from '../../../shared/adapters/dynamodb/journey-pauses.js';
import { DynamoDbMessageLog } from '../../../shared/adapters/dynamodb/message-log.js';
import { createTestTables } from '../../support/dynamodb.js';

let log: DynamoDbMessageLog;
let pauses: DynamoDbJourneyPauses;

const outcome = (at: string, status: 'sent' | 'skipped', extra: Record<string, string> = {}) => ({
  profileId: 'p-1',
  at,
  channel: 'email',
  journey: 'onboarding',
  step: 'welcome',
  executionId: `arn:aws:states:us-east-1:000000000000:execution:feltfit-onboarding:${at}`,
  status,
  ...extra,
});

beforeAll(async () => {
  const t = await createTestTables();
  const client = documentClient(t.client);
  log = new DynamoDbMessageLog({
    client,
    tableName: t.tables.messages,
    retentionDays: 90,
    now: () => new Date('2026-03-03T12:00:00.000Z'),
  });
  pauses = new DynamoDbJourneyPauses({ client, tableName: t.tables.journeys, retentionDays: 30 });
  await log.record(outcome('2026-03-01T10:00:00.000Z', 'sent'));
  await log.record(outcome('2026-03-01T11:00:00.000Z', 'skipped', { reason: 'no_consent' }));
  await log.record(outcome('2026-03-03T09:00:00.000Z', 'skipped', { reason: 'quiet_hours' }));
  await log.record(outcome('2026-03-03T10:00:00.000Z', 'sent', { channel: 'sms' }));
});

describe('the delivery log on DynamoDB', () => {
  it('lists newest first across days', async () => {
    const page = await log.list({ limit: 10 });
    expect(page.messages.map((m) => m.at)).toEqual([
      '2026-03-03T10:00:00.000Z',
      '2026-03-03T09:00:00.000Z',
      '2026-03-01T11:00:00.000Z',
      '2026-03-01T10:00:00.000Z',
    ]);
  });

  it('filters by status, channel and reason', async () => {
    const skipped = await log.list({ limit: 10, status: 'skipped' });
    expect(skipped.messages.map((m) => m.reason)).toEqual(['quiet_hours', 'no_consent']);
    expect((await log.list({ limit: 10, channel: 'sms' })).messages).toHaveLength(1);
    expect((await log.list({ limit: 10, reason: 'no_consent' })).messages[0]?.profileId).toBe('p-1');
  });

  it('pages with a cursor without repeating or losing an entry', async () => {
    const first = await log.list({ limit: 3 });
    expect(first.messages).toHaveLength(3);
    const rest = await log.list({ limit: 3, cursor: first.cursor! });
    expect(rest.messages.map((m) => m.at)).toEqual(['2026-03-01T10:00:00.000Z']);
  });
});

describe('journey pause flags on DynamoDB', () => {
  it('keeps the state with who and when', async () => {
    expect(await pauses.get('onboarding')).toBeUndefined();
    await pauses.set('onboarding', { paused: true, by: 'mia', at: '2026-03-03T12:00:00.000Z' });
    expect(await pauses.get('onboarding')).toEqual({
      paused: true,
      by: 'mia',
      at: '2026-03-03T12:00:00.000Z',
    });
  });
});
