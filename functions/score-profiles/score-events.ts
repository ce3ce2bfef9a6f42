/**
 * ScoreEvents on EventBridge: `ScoresChanged` on the `feltfit` bus, source `feltfit.intelligence`,
 * at most 10 entries per PutEvents (the API's limit). Failed entries are retried once, then reported
 * as an error so the invocation fails and its caller (EventBridge rule retry, Step Functions) retries.
 * The detail carries the profile id, scores and model versions: no contact data.
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { DependencyUnavailableError } from '../../shared/domain/errors.js';
import type { ScoresChanged } from '../../shared/domain/models/scoring.js';
import type { ScoreEvents } from '../../shared/ports/models.js';

export const SCORES_SOURCE = 'feltfit.intelligence';
export const SCORES_CHANGED = 'ScoresChanged';

/** EventBridge implementation of ScoreEvents. */
export class EventBridgeScoreEvents implements ScoreEvents {
  constructor(
    private readonly options: { readonly client: Pick<EventBridgeClient, 'send'>; readonly busName: string },
  ) {}

  async scoresChanged(events: readonly ScoresChanged[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((detail) => ({
      EventBusName: this.options.busName,
      Source: SCORES_SOURCE,
      DetailType: SCORES_CHANGED,
      Detail: JSON.stringify(detail),
    }));
    for (let i = 0; i < entries.length; i += 10) await this.put(entries.slice(i, i + 10));
  }

  private async put(entries: PutEventsRequestEntry[], attempt = 1): Promise<void> {
    const out = await this.options.client.send(new PutEventsCommand({ Entries: entries }));
    if (!out.FailedEntryCount) return;
    const failed = entries.filter((_, i) => out.Entries?.[i]?.ErrorCode);
    if (attempt >= 2) {
      throw new DependencyUnavailableError(`EventBridge rejected ${failed.length} ScoresChanged events`);
    }
    await this.put(failed, attempt + 1);
  }
}
