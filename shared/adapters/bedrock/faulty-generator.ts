/**
 * The offline generator under FELTFIT_SDK_FAULTS' `bedrock` fault. Locally content is written
 * offline (BEDROCK_MODEL_ID unset), so no Converse call reaches the SDK middleware that injects the
 * other clients' faults; this wrapper fails the same share of generation calls the way Converse
 * fails them — throttle → ThrottlingException, error → InternalServerException (a 500), timeout →
 * the copy is written and the answer lost (TimeoutError) — inside the retry the Bedrock generator
 * uses (backoff with jitter, then GenerationUnavailableError: HTTP 503, a Step Functions Retry name).
 * Deployed functions never have FELTFIT_SDK_FAULTS.
 */
import type { GenerationRequest, GenerationResult, Generator } from '../../ports/content.js';
import { sdkFaultFromEnv } from '../aws/fault-middleware.js';
import { type RetryPolicy, withRetry } from './retry.js';

function bedrockError(fault: 'throttle' | 'error' | 'timeout'): Error {
  const message = `${fault} (injected by FELTFIT_FAULTS)`;
  if (fault === 'timeout') return Object.assign(new Error(message), { name: 'TimeoutError' });
  const throttle = fault === 'throttle';
  return Object.assign(new Error(message), {
    name: throttle ? 'ThrottlingException' : 'InternalServerException',
    $fault: throttle ? 'client' : 'server',
    $metadata: { httpStatusCode: throttle ? 429 : 500, attempts: 1, totalRetryDelay: 0 },
  });
}

/** `generator` with the bedrock fault of FELTFIT_SDK_FAULTS; `generator` itself when none is set. */
export function withInjectedBedrockFaults(
  generator: Generator,
  retry: RetryPolicy,
  env: NodeJS.ProcessEnv = process.env,
): Generator {
  const injected = sdkFaultFromEnv('bedrock', env);
  if (!injected) return generator;
  const { fault, random } = injected;
  return {
    kind: generator.kind,
    model: generator.model,
    generate: (request: GenerationRequest): Promise<GenerationResult> =>
      withRetry(retry, 'Converse', async () => {
        if (random() >= fault.rate) return generator.generate(request);
        // Fixed words and counts only: the brief may name a product, the copy a person.
        console.warn(
          JSON.stringify({ level: 'WARN', message: 'injected generation fault', fault: fault.fault }),
        );
        if (fault.fault === 'timeout') await generator.generate(request);
        throw bedrockError(fault.fault);
      }),
  };
}
