/**
 * A Predictor backed by a SageMaker real-time endpoint, with the built-in model as its safety net.
 *
 * Request: InvokeEndpoint, ContentType and Accept `application/json`, body = the feature rows as a
 * JSON array (propensity: arrays of numbers in the model's feature order; CLV: objects
 * `{ x, tx, T, monetaryValue }`). Reply: `{ "predictions": [...] }` (or a bare array) with one
 * prediction per row, validated with zod. On a timeout (the call is aborted after the time budget),
 * any error, or a malformed reply, the whole batch is answered by the built-in model and the reason
 * is counted — scoring never fails because an endpoint did.
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import * as z from 'zod';
import type { ClvPrediction } from '../../domain/models/scoring.js';
import type { FallbackReason, Predictor } from '../../ports/models.js';

/** Fallback counts per reason, plus successful remote batches. */
export type PredictorCounts = Record<FallbackReason | 'remote', number>;

export interface SageMakerPredictorOptions<Row, Prediction> {
  readonly client: Pick<SageMakerRuntimeClient, 'send'>;
  readonly endpointName: string;
  /** Time budget of one call in milliseconds; the call is aborted past it. */
  readonly timeoutMs: number;
  /** Schema of one prediction in the reply. */
  readonly prediction: z.ZodType<Prediction>;
  /** The built-in model answering when the endpoint cannot. */
  readonly fallback: Predictor<Row, Prediction>;
  /** Called once per fallback with its reason (log or count it; never log the rows). */
  readonly onFallback?: (reason: FallbackReason, errorName?: string) => void;
}

/** A predictor that asks the endpoint first; `counts` says how often and why it fell back. */
export interface SageMakerPredictor<Row, Prediction> extends Predictor<Row, Prediction> {
  readonly counts: Readonly<PredictorCounts>;
}

/** Builds the endpoint-backed predictor. */
export function sageMakerPredictor<Row, Prediction>(
  options: SageMakerPredictorOptions<Row, Prediction>,
): SageMakerPredictor<Row, Prediction> {
  const counts: PredictorCounts = { remote: 0, timeout: 0, error: 0, malformed: 0 };
  const reply = z.union([
    z.object({ predictions: z.array(options.prediction) }).transform((r) => r.predictions),
    z.array(options.prediction),
  ]);
  const fallBack = (reason: FallbackReason, rows: readonly Row[], errorName?: string) => {
    counts[reason]++;
    options.onFallback?.(reason, errorName);
    return options.fallback.predict(rows);
  };
  return {
    counts,
    async predict(rows) {
      if (rows.length === 0) return [];
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), options.timeoutMs);
      let body: string;
      try {
        const out = await options.client.send(
          new InvokeEndpointCommand({
            EndpointName: options.endpointName,
            ContentType: 'application/json',
            Accept: 'application/json',
            Body: new TextEncoder().encode(JSON.stringify(rows)),
          }),
          { abortSignal: controller.signal },
        );
        body = out.Body ? new TextDecoder().decode(out.Body) : '';
      } catch (err) {
        const name = err instanceof Error ? err.name : typeof err;
        return fallBack(controller.signal.aborted ? 'timeout' : 'error', rows, name);
      } finally {
        clearTimeout(timer);
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return fallBack('malformed', rows);
      }
      const parsed = reply.safeParse(json);
      if (!parsed.success || parsed.data.length !== rows.length) return fallBack('malformed', rows);
      counts.remote++;
      return parsed.data;
    },
  };
}

/** One propensity prediction: a probability. */
export const PropensityPrediction = z.number().min(0).max(1);

/** One CLV prediction. */
export const ClvPredictionSchema: z.ZodType<ClvPrediction> = z.object({
  probabilityAlive: z.number().min(0).max(1),
  expectedPurchases90d: z.number().min(0),
  clv12m: z.number().finite(),
});
