/** Journeys and the message log (owner `journeys`). */
import { route as r } from './spec.js';

export const JOURNEY_ROUTES = {
  journeysList: r('GET', '/admin/journeys', 'read', 'journeys'),
  journeyGet: r('GET', '/admin/journeys/{journeyId}', 'read', 'journeys'),
  journeyPause: r('POST', '/admin/journeys/{journeyId}/pause', 'launch', 'journeys'),
  journeyResume: r('POST', '/admin/journeys/{journeyId}/resume', 'launch', 'journeys'),
  messagesList: r('GET', '/admin/messages', 'read', 'journeys'),
} as const satisfies Record<string, ReturnType<typeof r>>;
