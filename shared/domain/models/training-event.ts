/**
 * The "train now" event's names and detail (EventBridge source `feltfit.admin`, detail type
 * `ModelTrainingRequested`). Its own module so the ModelTrainingRequests port can name the detail
 * without importing the use case (training-request.ts), which imports the port.
 */
import * as z from 'zod';
import { ModelName } from '../../config/models.js';

export const TRAINING_REQUEST_SOURCE = 'feltfit.admin';
export const TRAINING_REQUEST_DETAIL_TYPE = 'ModelTrainingRequested';

/** The event's detail. The trainer needs only `model`; the rest says who asked, when, for the logs. */
export const ModelTrainingRequestDetail = z.object({
  /** One model; absent trains every model. */
  model: ModelName.optional(),
  requestId: z.string().min(1).max(100),
  requestedAt: z.iso.datetime(),
  /** Who asked (an admin principal or `cli`); never an email address. */
  requestedBy: z.string().min(1).max(200).optional(),
});
export type ModelTrainingRequestDetail = z.infer<typeof ModelTrainingRequestDetail>;
