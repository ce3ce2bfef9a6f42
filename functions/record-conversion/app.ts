/**
 * The record-conversion Lambda: target of the rule on the configured conversion event
 * (`OrderCompleted` by default). Credits the conversion to the person's covering exposures (every
 * arm), attributes it to the last touch, and counts first and repeat customers. A malformed event is
 * answered `{ ok: false }` and not thrown, so EventBridge does not retry it.
 */
import middy from '@middy/core';
import * as z from 'zod';
import type { MeasurementConfig } from '../../shared/config/measurement.js';
import { occurredAtOf } from '../../shared/domain/journeys/resume.js';
import {
  type ConversionOutcome,
  type RecordConversionDeps,
  recordConversion,
} from '../../shared/domain/measurement/conversions.js';
import type { Logger } from '../../shared/ports/logger.js';

const Event = z.object({
  id: z.string().min(1).max(256),
  time: z.iso.datetime({ offset: true }),
  'detail-type': z.string().min(1).max(128),
  detail: z
    .object({
      profileId: z.string().min(1).max(128),
      revenue: z.number().finite().min(0).max(1e9).default(0),
      /** The person's order count after this order (first and repeat customers). */
      orderCount: z.number().int().min(1).optional(),
    })
    .loose(),
});

export type RecordConversionResult =
  | ({ readonly ok: true } & ConversionOutcome)
  | { readonly ok: false; readonly error: { readonly code: 'invalid_request'; readonly message: string } };

export interface RecordConversionAppDeps extends RecordConversionDeps {
  readonly customers: { countCustomer(profileId: string, orderCount: number, at?: string): Promise<void> };
  readonly config: MeasurementConfig;
}

/** Builds the record-conversion handler. */
export function createRecordConversionHandler(deps: RecordConversionAppDeps, logger: Logger) {
  return middy<unknown, RecordConversionResult>().handler(async (raw) => {
    const parsed = Event.safeParse(raw);
    const idProperty = deps.config.conversion.idProperty;
    const id = parsed.success ? parsed.data.detail[idProperty] : undefined;
    if (!parsed.success || (typeof id !== 'string' && typeof id !== 'number')) {
      logger.warn('conversion event rejected', { code: 'invalid_request' });
      return {
        ok: false,
        error: {
          code: 'invalid_request',
          message: `expected an EventBridge event with detail.profileId, detail.${idProperty} and a numeric detail.revenue`,
        },
      };
    }
    const { detail, time } = parsed.data;
    // The order's own time (ms); a bus time without it stays whole seconds, read as covering its second.
    const at = occurredAtOf({ time, detail });
    const outcome = await recordConversion(deps, {
      profileId: detail.profileId,
      conversionId: String(id),
      at,
      revenue: detail.revenue,
    });
    if (detail.orderCount !== undefined)
      await deps.customers.countCustomer(detail.profileId, detail.orderCount, at);
    if (outcome.history) logger.info('conversion from history: nothing to credit, not recorded');
    else
      logger.info('conversion recorded', {
        credited: outcome.credited.length,
        attributed: outcome.attributedTo
          ? `${outcome.attributedTo.journey}/${outcome.attributedTo.step}`
          : 'none',
      });
    return { ok: true, ...outcome };
  });
}
