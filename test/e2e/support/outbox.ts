/** What the profiles table's stream carried in outboxes: the domain events the projection committed. */
import { OUTBOX_ATTRIBUTE, outboxOf } from '../../../shared/adapters/dynamodb/profile-outbox.js';
import type { TestRuntime } from '../../support/runtime.js';
import { streamRecords } from '../../support/streams.js';

/** Every outbox event the profiles table's stream carried, read whole from DynamoDB Local. */
export async function outboxEventIds(rt: TestRuntime): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const r of await streamRecords(rt.dynamodbEndpoint, rt.tables.PROFILES_TABLE!)) {
    const raw = r.dynamodb?.NewImage?.outbox?.S;
    if (!raw) continue;
    for (const e of outboxOf({ [OUTBOX_ATTRIBUTE]: raw })) ids.set(e.eventId, e.type);
  }
  return ids;
}

/**
 * The eventIds of the `feltfit.profiles` events on the bus, in delivery order, a grouped
 * `ProfilesUpdated` entry counting once for each ProfileUpdated it carries.
 */
export function deliveredEventIds(history: readonly { source?: string; detail?: unknown }[]): string[] {
  return history
    .filter((e) => e.source === 'feltfit.profiles')
    .flatMap((e) => {
      const detail = e.detail as { eventId?: unknown; profiles?: { eventId?: unknown }[] };
      return Array.isArray(detail.profiles)
        ? detail.profiles.map((p) => String(p.eventId))
        : [String(detail.eventId)];
    });
}
