import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A JSON response for API Gateway HTTP APIs (payload format 2.0). */
export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}
