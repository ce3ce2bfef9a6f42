/** Lambda entry point: wires the EventBridge publisher once per cold start. */
import * as z from 'zod';
import { lambdaLogger, withLambdaLogging } from '../../shared/adapters/aws/powertools-logger.js';
import { EventBridgeDomainEvents } from '../../shared/adapters/eventbridge/domain-events.js';
import { createPublishDomainEventsHandler } from './app.js';

/** Environment of the outbox publisher. */
export const PublisherEnv = z.object({ EVENT_BUS_NAME: z.string().min(1) });

function parseEnv(env: Record<string, string | undefined>) {
  const parsed = PublisherEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

const env = parseEnv(process.env);

const logger = lambdaLogger();
const app = createPublishDomainEventsHandler(
  { events: new EventBridgeDomainEvents({ eventBusName: env.EVENT_BUS_NAME }) },
  logger,
);

export const handler = withLambdaLogging(logger, app);
