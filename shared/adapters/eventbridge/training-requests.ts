/**
 * ModelTrainingRequests on EventBridge: one PutEvents entry per request, source `feltfit.admin`,
 * detail type `ModelTrainingRequested`, on the bus a rule of the intelligence stack watches (the
 * `feltfit` bus; the stack output EventBusName). Used by `feltfit models train` and meant for the
 * admin API's `POST /admin/models/train`.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type ModelTrainingRequestDetail,
  TRAINING_REQUEST_DETAIL_TYPE,
  TRAINING_REQUEST_SOURCE,
} from '../../domain/models/training-request.js';
import type { ModelTrainingRequests } from '../../ports/models.js';
import { putEntries } from './domain-events.js';

export interface EventBridgeTrainingRequestsOptions {
  readonly client: Pick<EventBridgeClient, 'send'>;
  readonly eventBusName: string;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** EventBridge implementation of ModelTrainingRequests. */
export class EventBridgeTrainingRequests implements ModelTrainingRequests {
  constructor(private readonly options: EventBridgeTrainingRequestsOptions) {}

  async publish(detail: ModelTrainingRequestDetail): Promise<void> {
    await putEntries(
      this.options.client,
      [
        {
          EventBusName: this.options.eventBusName,
          Source: TRAINING_REQUEST_SOURCE,
          DetailType: TRAINING_REQUEST_DETAIL_TYPE,
          Detail: JSON.stringify(detail),
        },
      ],
      this.options,
    );
  }
}
