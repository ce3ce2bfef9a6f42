/**
 * Source freshness, maintained cheaply: ingest wraps its EventStore so that after a successful write it
 * records each source's latest receipt time, at most once per interval per source and Lambda instance.
 * A failed mark never fails ingest: freshness is a report, the events are what matter.
 */
import type { EventStore } from '../../ports/events.js';
import type { SourceSeenStore } from '../../ports/privacy.js';

export interface SourceSeenOptions {
  /** Least time between two marks of one source by this instance (default 60 s). */
  readonly intervalMs?: number;
  readonly now?: () => number;
  /** Told about a failed mark (log it); the write itself still succeeds. */
  readonly onError?: (error: unknown) => void;
}

/** The same EventStore, marking sources seen after each stored batch. */
export function trackSourceSeen<S extends EventStore>(
  events: S,
  seen: Pick<SourceSeenStore, 'markSeen'>,
  options: SourceSeenOptions = {},
): EventStore {
  const interval = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const lastMark = new Map<string, number>();
  return {
    listByPerson: (query) => events.listByPerson(query),
    async putEvents(batch) {
      const result = await events.putEvents(batch);
      const latest = new Map<string, string>();
      for (const e of batch) {
        const prev = latest.get(e.sourceId);
        if (prev === undefined || e.receivedAt > prev) latest.set(e.sourceId, e.receivedAt);
      }
      const t = now();
      const due = [...latest].filter(
        ([id]) => t - (lastMark.get(id) ?? Number.NEGATIVE_INFINITY) >= interval,
      );
      for (const [id] of due) lastMark.set(id, t);
      await Promise.all(
        due.map(([id, at]) =>
          seen.markSeen(id, at).catch((err: unknown) => {
            lastMark.delete(id); // try again on the next batch
            options.onError?.(err);
          }),
        ),
      );
      return result;
    },
  };
}
