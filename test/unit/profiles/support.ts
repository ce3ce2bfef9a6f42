import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';

let counter = 0;

/** A normalised message with sensible defaults. */
export function msg(
  overrides: Partial<NormalisedMessage> & { type?: NormalisedMessage['type'] } = {},
): NormalisedMessage {
  counter++;
  return {
    messageId: `m-${counter}`,
    type: 'track',
    userId: 'user-1',
    timestamp: '2024-05-01T10:00:00.000Z',
    receivedAt: '2024-05-01T10:00:01.000Z',
    sourceId: 'web',
    ...overrides,
  } as NormalisedMessage;
}

/** A track message. */
export function track(
  event: string,
  properties: Record<string, unknown> = {},
  overrides: Partial<NormalisedMessage> = {},
) {
  return msg({ type: 'track', event, properties, ...overrides });
}

/** An ISO time `minutes` after 2024-05-01T10:00Z. */
export function at(minutes: number): string {
  return new Date(Date.parse('2024-05-01T10:00:00.000Z') + minutes * 60_000).toISOString();
}
