/** `JOURNEY_STATE_MACHINES`: JSON map journey id → state machine ARN, parsed once at cold start. */
import * as z from 'zod';
import type { JourneyDefinition } from '../../domain/journeys/definition.js';

const Arn = z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]*:\d*:stateMachine:[A-Za-z0-9_-]{1,80}$/);
export const StateMachinesEnv = z.record(z.string().min(1), Arn);

/** Parses the map; every enabled journey must have a state machine. Fails fast naming the variable. */
export function parseStateMachinesEnv(
  env: Record<string, string | undefined>,
  journeys: readonly JourneyDefinition[],
): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(env.JOURNEY_STATE_MACHINES ?? '');
  } catch (err) {
    throw new Error('invalid environment: JOURNEY_STATE_MACHINES is not JSON', { cause: err });
  }
  const parsed = StateMachinesEnv.safeParse(json);
  if (!parsed.success) throw new Error('invalid environment: JOURNEY_STATE_MACHINES');
  const missing = journeys.filter((j) => j.enabled && !parsed.data[j.id]).map((j) => j.id);
  if (missing.length)
    throw new Error(`invalid environment: JOURNEY_STATE_MACHINES lacks ${missing.join(', ')}`);
  return parsed.data;
}
