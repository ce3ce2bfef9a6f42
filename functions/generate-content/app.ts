/**
 * The generate-content Lambda: `POST /admin/content/generate` (API Gateway v2) and direct invocation
 * by Step Functions with `{ brief }` (or the brief itself). Generates the brief's variants, runs the
 * checks and stores them pending review (or auto-approved when the config allows it).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  type GenerateDeps,
  type GenerateResult,
  generateContent,
} from '../../shared/domain/content/generate.js';
import { Brief } from '../../shared/domain/content/schemas.js';
import { InvalidRequestError } from '../../shared/domain/errors.js';
import { adminRouter } from '../../shared/http/admin-router.js';
import { httpErrorHandler } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/response.js';
import type { Logger } from '../../shared/ports/logger.js';

function parseBrief(input: unknown): Brief {
  const candidate =
    typeof input === 'object' && input !== null && 'brief' in input
      ? (input as { brief: unknown }).brief
      : input;
  const parsed = Brief.safeParse(candidate);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError('invalid_brief', 'the brief is not valid', {
    issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })),
  });
}

function parseBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) throw new InvalidRequestError('invalid_json', 'the body must be a JSON brief');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidRequestError('invalid_json', 'the body is not valid JSON', {}, { cause: err });
  }
}

function logResult(logger: Logger, result: GenerateResult): void {
  logger.info('content generated', {
    briefId: result.briefId,
    generator: result.generator,
    variants: result.variants.length,
    pending: result.variants.filter((v) => v.status === 'pending_review').length,
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
  });
}

const isHttpEvent = (event: unknown): event is APIGatewayProxyEventV2 =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;

/** The handler: HTTP events get JSON responses; direct invocations get the result or a named error. */
export function createGenerateHandler(deps: GenerateDeps, logger: Logger) {
  const http = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrorHandler(logger))
    .handler(
      adminRouter('generate', {
        contentGenerate: async ({ event }) => {
          const result = await generateContent(deps, parseBrief(parseBody(event)));
          logResult(logger, result);
          return jsonResponse(201, result);
        },
      }),
    );
  return async (event: unknown, context: Context): Promise<unknown> => {
    if (isHttpEvent(event)) return http(event, context);
    // Step Functions: errors propagate with their names (InvalidRequestError,
    // TokenBudgetExhaustedError, GenerationUnavailableError) for Retry/Catch.
    const result = await generateContent(deps, parseBrief(event));
    logResult(logger, result);
    return result;
  };
}
