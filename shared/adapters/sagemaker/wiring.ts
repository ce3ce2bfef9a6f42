/** SageMaker endpoints in front of the built-in models, for the models that configure one. */
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { ModelsConfig } from '../../config/models.js';
import type { PredictorWrappers } from '../../domain/models/scoring.js';
import type { Logger } from '../../ports/logger.js';
import { awsClient } from '../aws/clients.js';
import { ClvPredictionSchema, PropensityPrediction, sageMakerPredictor } from './predictor.js';

/**
 * Wrappers that send each batch to the model's endpoint (when `sagemakerEndpoint` is set) and fall
 * back to the built-in model; each fallback is logged with the model, version and reason code.
 */
export function sageMakerWrappers(
  config: Pick<ModelsConfig, 'clv' | 'propensity' | 'sagemaker'>,
  logger: Logger,
  client: Pick<SageMakerRuntimeClient, 'send'> = awsClient(SageMakerRuntimeClient, 'sagemaker'),
): PredictorWrappers {
  const timeoutMs = config.sagemaker.timeoutMs;
  const clvEndpoint = config.clv.sagemakerEndpoint;
  const propensityEndpoint = config.propensity.sagemakerEndpoint;
  const log = (model: string, version: string) => (reason: string, errorName?: string) =>
    logger.warn('sagemaker fallback', { model, version, reason, ...(errorName ? { errorName } : {}) });
  return {
    ...(clvEndpoint
      ? {
          clv: (fallback, version) =>
            sageMakerPredictor({
              client,
              endpointName: clvEndpoint,
              timeoutMs,
              prediction: ClvPredictionSchema,
              fallback,
              onFallback: log('clv', version),
            }),
        }
      : {}),
    ...(propensityEndpoint
      ? {
          propensity: (fallback, version) =>
            sageMakerPredictor({
              client,
              endpointName: propensityEndpoint,
              timeoutMs,
              prediction: PropensityPrediction,
              fallback,
              onFallback: log('propensity', version),
            }),
        }
      : {}),
  };
}
