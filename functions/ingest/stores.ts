/** The event store ingest and its fan-out write through, with the overview's counters around it. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEventDayCounter } from '../../shared/adapters/dynamodb/activity-store.js';
import { DynamoDbSourceSeenStore } from '../../shared/adapters/dynamodb/privacy-quality.js';
import type { StoresEnv } from '../../shared/adapters/dynamodb/wiring.js';
import { countEventsPerDay } from '../../shared/domain/activity/counters.js';
import { trackSourceSeen } from '../../shared/domain/quality/source-seen.js';
import type { EventStore } from '../../shared/ports/events.js';
import type { Logger } from '../../shared/ports/logger.js';

/** `events`, counting stored events per day and marking each source's freshness after every write. */
export function countedEventStore(
  events: EventStore,
  env: StoresEnv,
  client: DynamoDBDocumentClient,
  logger: Logger,
): EventStore {
  // Freshness for the data-quality report: each source's last receipt, written at most once a minute.
  return trackSourceSeen(
    // Events per day for the console's overview: one ADD per day a stored batch's events fall on.
    countEventsPerDay(events, new DynamoDbEventDayCounter({ client, tableName: env.CONTROL_TABLE }), {
      onError: (err) => logger.warn('events per day not counted', { errorName: (err as Error)?.name }),
    }),
    new DynamoDbSourceSeenStore({ client, tableName: env.CONTROL_TABLE }),
    { onError: (err) => logger.warn('source freshness not recorded', { errorName: (err as Error)?.name }) },
  );
}
