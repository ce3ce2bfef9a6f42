import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ingest } from '../../../shared/domain/ingest/ingest.js';
import {
  fanOut,
  LANDING_ABOVE_MESSAGES,
  LANDING_PART_MESSAGES,
  type LandedItem,
  landingParts,
} from '../../../shared/domain/ingest/landing.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import type { LandedKey, LandingPart } from '../../../shared/ports/events.js';
import { testHasher } from '../../support/hasher.js';
import { apiEvent, basicAuth, MemoryEventStore, memoryDeps } from './support.js';

const track = (i: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Product Viewed',
  userId: `u-${i % 7}`,
  messageId: `m-${i}`,
  ...extra,
});

function normalised(i: number, receivedAt = '2024-05-01T12:00:00.000Z'): NormalisedMessage {
  return { ...track(i), timestamp: receivedAt, receivedAt, sourceId: 'web' } as unknown as NormalisedMessage;
}

const landingMessages = (n: number, receivedAt?: string) =>
  Array.from({ length: n }, (_, i) => ({
    message: normalised(i, receivedAt),
    json: JSON.stringify(track(i)),
  }));

describe('landingParts', () => {
  it('splits into parts of at most LANDING_PART_MESSAGES, in order', () => {
    const parts = landingParts(landingMessages(1_234), { sourceId: 'web' }, testHasher);
    expect(parts.map((p) => p.messages.length)).toEqual([500, 500, 234]);
    expect(parts.flatMap((p) => p.messages.map((m) => m.messageId))).toEqual(
      Array.from({ length: 1_234 }, (_, i) => `m-${i}`),
    );
  });

  it('gives a re-send the same ids although its receipt time differs, and other messages other ids', () => {
    const first = landingParts(
      landingMessages(600, '2024-05-01T12:00:00.000Z'),
      { sourceId: 'web' },
      testHasher,
    );
    const again = landingParts(
      landingMessages(600, '2024-05-01T12:00:07.000Z'),
      { sourceId: 'web' },
      testHasher,
    );
    expect(again.map((p) => p.id)).toEqual(first.map((p) => p.id));
    const changed = landingMessages(600);
    changed[3] = { message: normalised(3), json: JSON.stringify(track(3, { properties: { x: 1 } })) };
    const other = landingParts(changed, { sourceId: 'web' }, testHasher);
    expect(other[0]!.id).not.toBe(first[0]!.id);
    expect(other[1]!.id).toBe(first[1]!.id);
    expect(landingParts(landingMessages(600), { sourceId: 'app' }, testHasher)[0]!.id).not.toBe(first[0]!.id);
    expect(
      landingParts(landingMessages(600), { sourceId: 'web', batchContext: { locale: 'fr' } }, testHasher)[0]!
        .id,
    ).not.toBe(first[0]!.id);
  });

  it('keys its ids: an id is not the plain SHA-256 of what it hashes', () => {
    const [part] = landingParts(landingMessages(3), { sourceId: 'web' }, testHasher);
    const text = `landing\nweb\nnull\n${landingMessages(3)
      .map((m) => m.json)
      .join('\n')}`;
    expect(part!.id).not.toContain(createHash('sha256').update(text).digest('hex'));
    expect(part!.id).toBe(testHasher.hash(text));
  });

  it('keeps the first of a message repeated in the request, as a direct write does', () => {
    const messages = landingMessages(3);
    const repeat = { message: { ...normalised(1), event: 'Later' } as NormalisedMessage, json: '{}' };
    const [part] = landingParts([...messages, repeat], { sourceId: 'web' }, testHasher);
    expect(part!.messages.map((m) => m.messageId)).toEqual(['m-0', 'm-1', 'm-2']);
    expect((part!.messages[1] as { event?: string }).event).toBe('Product Viewed');
  });
});

class MemoryLanding {
  readonly parts: LandingPart[] = [];
  readonly marked: LandedKey[] = [];
  async land(parts: readonly LandingPart[]) {
    this.parts.push(...parts);
    return { landed: parts.length, alreadyLanded: 0 };
  }
  async markStored(key: LandedKey) {
    this.marked.push(key);
  }
}

describe('ingest with a landing', () => {
  const post = (n: number) =>
    apiEvent('/v1/batch', JSON.stringify({ batch: Array.from({ length: n }, (_, i) => track(i)) }), {
      headers: { authorization: basicAuth() },
    });

  it(`lands a batch of more than ${LANDING_ABOVE_MESSAGES} valid messages instead of writing its events`, async () => {
    const landing = new MemoryLanding();
    const { deps, events } = memoryDeps({ landing });
    const out = await ingest(deps, 'batch', post(LANDING_ABOVE_MESSAGES + 1));
    expect(out).toMatchObject({ accepted: LANDING_ABOVE_MESSAGES + 1, landed: true });
    expect(events.all).toHaveLength(0);
    expect(landing.parts.flatMap((p) => p.messages)).toHaveLength(LANDING_ABOVE_MESSAGES + 1);
    // Normalised as a direct write would store them.
    expect(landing.parts[0]!.messages[0]).toMatchObject({ messageId: 'm-0', sourceId: 'web', type: 'track' });
  });

  it(`writes a batch of ${LANDING_ABOVE_MESSAGES} directly, and every batch when there is no landing`, async () => {
    const landing = new MemoryLanding();
    const { deps, events } = memoryDeps({ landing });
    const out = await ingest(deps, 'batch', post(LANDING_ABOVE_MESSAGES));
    expect(out.landed).toBeUndefined();
    expect(events.all).toHaveLength(LANDING_ABOVE_MESSAGES);
    expect(landing.parts).toHaveLength(0);
    const direct = memoryDeps();
    await ingest(direct.deps, 'batch', post(2_500));
    expect(direct.events.all).toHaveLength(2_500);
  });

  it('counts only valid messages toward the threshold; rejects are quarantined either way', async () => {
    const landing = new MemoryLanding();
    const { deps, events, quarantine } = memoryDeps({ landing });
    const batch = [...Array.from({ length: LANDING_ABOVE_MESSAGES }, (_, i) => track(i)), { type: 'nope' }];
    await ingest(
      deps,
      'batch',
      apiEvent('/v1/batch', JSON.stringify({ batch }), { headers: { authorization: basicAuth() } }),
    );
    expect(events.all).toHaveLength(LANDING_ABOVE_MESSAGES);
    expect(landing.parts).toHaveLength(0);
    expect(quarantine.entries).toHaveLength(1);
  });
});

const item = (id: string, messages: NormalisedMessage[]): LandedItem => ({
  recordId: id,
  key: { pk: `L#${id}`, sk: 'L#0' },
  messages,
});

describe('fanOut', () => {
  it('stores each item as events, then marks it stored', async () => {
    const events = new MemoryEventStore();
    const landing = new MemoryLanding();
    const report = await fanOut({ events, landing }, [
      item('1', [normalised(1), normalised(2)]),
      item('2', [normalised(3)]),
    ]);
    expect(report).toEqual({ stored: 3, items: 2, left: [] });
    expect(events.all.map((e) => e.messageId)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(landing.marked.map((k) => k.pk)).toEqual(['L#1', 'L#2']);
  });

  it('leaves the rest for a retry when less than twice the slowest item (plus margin) is left', async () => {
    const events = new MemoryEventStore();
    const landing = new MemoryLanding();
    let clock = 0;
    const slow = {
      putEvents: async (e: readonly NormalisedMessage[]) => {
        clock += 4_000;
        return events.putEvents(e);
      },
    };
    const report = await fanOut(
      { events: slow, landing },
      [item('1', [normalised(1)]), item('2', [normalised(2)]), item('3', [normalised(3)])],
      { now: () => clock, remainingMs: () => 20_000 - clock },
    );
    // After item 1 (4 s): 16 s left ≥ 2 × 4 + 5, go on; after item 2: 12 s left < 13 s, stop.
    expect(report).toEqual({ stored: 2, items: 2, left: ['3'] });
    expect(landing.marked).toHaveLength(2);
  });

  it('returns a failed item and the rest, leaving the stored ones marked', async () => {
    const landing = new MemoryLanding();
    let calls = 0;
    const failing = {
      putEvents: async (e: readonly NormalisedMessage[]) => {
        if (++calls === 2) throw new Error('throttled');
        return { stored: e.length };
      },
    };
    const report = await fanOut({ events: failing, landing }, [
      item('1', [normalised(1)]),
      item('2', [normalised(2)]),
      item('3', [normalised(3)]),
    ]);
    expect(report).toMatchObject({ stored: 1, items: 1, left: ['2', '3'] });
    expect((report.error as Error).message).toBe('throttled');
    expect(landing.marked.map((k) => k.pk)).toEqual(['L#1']);
  });
});

it('parts hold every message of the largest batch', () => {
  const parts = landingParts(landingMessages(2_500), { sourceId: 'web' }, testHasher);
  expect(parts).toHaveLength(2_500 / LANDING_PART_MESSAGES);
});
