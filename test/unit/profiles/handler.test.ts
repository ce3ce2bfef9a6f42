import type { Context, DynamoDBBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createProjectProfileHandler, inputOf } from '../../../functions/project-profile/app.js';
import { defaultProfilesConfig } from '../../../shared/config/profiles.js';
import type { ProfileCommit, ProfileStore } from '../../../shared/ports/profiles.js';
import { testHasher } from '../../support/hasher.js';
import { recordingLogger } from '../../support/logger.js';
import { streamEvent, streamRecord } from './stream.js';
import { msg, track } from './support.js';

/** A store that knows nobody and accepts every write, except for messages named `bad…`. */
function stubStore(commits: ProfileCommit[]): ProfileStore {
  return {
    getProfile: async () => undefined,
    getLiveProfile: async () => undefined,
    findByIdentifier: async () => undefined,
    lookupIdentifiers: async () => new Map(),
    getLiveProfiles: async () => new Map(),
    commit: async (write) => {
      if (write.profile.state.identities.userId.some((u) => u.startsWith('bad'))) throw new Error('boom');
      commits.push(write);
      return { ok: true, version: 1 };
    },
    repointIdentifiers: async () => {},
    recordMerge: async () => {},
    hasTombstone: async () => false,
    tombstonedIdentifiers: async () => new Set(),
    putTombstones: async () => {},
    countDroppedTraits: async () => {},
    droppedTraitCounts: async () => ({}),
    listProfileItems: async () => [],
    listIdentityItems: async () => [],
  };
}

function setup() {
  const commits: ProfileCommit[] = [];
  const { logger, lines } = recordingLogger();
  const handler = createProjectProfileHandler(
    {
      store: stubStore(commits),
      eraser: { deleteRawEvent: async () => {} },
      config: defaultProfilesConfig,
      hasher: testHasher,
      now: () => new Date('2024-05-02T00:00:00Z'),
      maxAttempts: 2,
    },
    logger,
  );
  return { handler, commits, lines };
}

describe('project-profile handler', () => {
  it('decodes stream images, including compressed bodies, into the stored message', () => {
    const big = track('Order Completed', { order_id: 'o1', note: 'x'.repeat(3000) });
    const input = inputOf(streamRecord(big));
    expect(input).toMatchObject({
      message: { messageId: big.messageId, properties: { note: 'x'.repeat(3000) } },
    });
  });

  it('ignores REMOVE records and skips records it cannot decode', () => {
    expect(inputOf(streamRecord(msg(), 'REMOVE'))).toBe('ignored');
    expect(
      inputOf({ eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: { pk: { S: 'x' } } } }),
    ).toBeUndefined();
  });

  it('reports only the records that failed, by sequence number', async () => {
    const { handler } = setup();
    const event = streamEvent([
      msg({ userId: 'good-1' }),
      msg({ userId: 'bad-1' }),
      msg({ userId: 'good-2' }),
    ]);
    const res = (await handler(event, {} as Context)) as DynamoDBBatchResponse;
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber }]);
  });

  it('creates a profile, puts what changed in its outbox and logs counts without personal data', async () => {
    const { handler, commits, lines } = setup();
    await handler(
      streamEvent([
        msg({ type: 'identify', userId: 'u-42', traits: { email: 'ann@example.com', firstName: 'Ann' } }),
      ]),
      {} as Context,
    );
    expect(commits).toHaveLength(1);
    expect(commits[0]!.claims.map((c) => c.type)).toEqual(['userId', 'email']);
    expect(commits[0]!.outbox).toEqual([
      {
        type: 'ProfileUpdated',
        profileId: commits[0]!.profile.profileId,
        changed: expect.arrayContaining(['traits.email', 'identities']),
        eventId: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(lines.join('\n')).not.toMatch(/ann@example\.com|u-42|Ann/);
  });
});
