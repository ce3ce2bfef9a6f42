import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidRequestError } from '../domain/errors.js';

/** The request's JSON body; 400 `invalid_json` when it is absent or not JSON. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) throw new InvalidRequestError('invalid_json', 'the body must be JSON');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidRequestError('invalid_json', 'the body is not valid JSON', {}, { cause: err });
  }
}
