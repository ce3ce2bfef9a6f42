import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  addSdkFault,
  injected,
  parseSdkFaults,
  sdkFaultFromEnv,
} from '../../../shared/adapters/aws/fault-middleware.js';

const KINDS = ['dynamodb', 'eventbridge', 'ses'];

/** A DynamoDB client whose transport answers an empty GetItem and counts the requests that reached it. */
function client(maxAttempts: number) {
  const sent: unknown[] = [];
  const c = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      handle: async (request: unknown) => {
        sent.push(request);
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from('{}')]),
          },
        };
      },
    } as never,
  });
  return { c, sent };
}

const get = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } });

describe('parseSdkFaults', () => {
  it('reads client=fault:rate pairs', () => {
    expect(parseSdkFaults('dynamodb=throttle:0.1, ses=timeout:0.02', KINDS)).toEqual({
      dynamodb: { fault: 'throttle', rate: 0.1 },
      ses: { fault: 'timeout', rate: 0.02 },
    });
  });

  it('names the part it cannot read', () => {
    expect(() => parseSdkFaults('dynamo=throttle:0.1', KINDS)).toThrow(/'dynamo' is not a client kind/);
    expect(() => parseSdkFaults('ses=slow:0.1', KINDS)).toThrow(/'slow' is not a fault/);
    expect(() => parseSdkFaults('ses=error:1.5', KINDS)).toThrow(/between 0 and 1/);
    expect(() => parseSdkFaults('ses:error', KINDS)).toThrow(/is not <client>=/);
  });
});

describe('addSdkFault', () => {
  it('refuses a throttled call before it is sent, inside the SDK retry loop', async () => {
    const { c, sent } = client(3);
    addSdkFault(c, 'dynamodb', { fault: 'throttle', rate: 1 });
    const before = injected['dynamodb:throttle'] ?? 0;
    const err = await c
      .send(get)
      .catch((e: unknown) => e as { name: string; $metadata: { attempts: number } });
    expect(err).toMatchObject({ name: 'ThrottlingException' });
    // The SDK retried the injected throttle as it retries a real one.
    expect(err.$metadata.attempts).toBe(3);
    expect(sent).toHaveLength(0);
    expect(injected['dynamodb:throttle']).toBe(before + 3);
  });

  it('answers a 500 as a server error, which standard retries repeat', async () => {
    const { c, sent } = client(2);
    addSdkFault(c, 'dynamodb', { fault: 'error', rate: 1 });
    await expect(c.send(get)).rejects.toMatchObject({ name: 'InternalServerError', $fault: 'server' });
    expect(sent).toHaveLength(0);
  });

  it('carries out a timed-out call and then loses its answer', async () => {
    const { c, sent } = client(1);
    addSdkFault(c, 'dynamodb', { fault: 'timeout', rate: 1 });
    await expect(c.send(get)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sent).toHaveLength(1);
  });

  it('fails about the given share of calls and lets the others through', async () => {
    const { c, sent } = client(1);
    addSdkFault(c, 'dynamodb', { fault: 'error', rate: 0.25 });
    const results = await Promise.allSettled(Array.from({ length: 400 }, () => c.send(get)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(140);
    expect(sent).toHaveLength(400 - failed);
  });
});

describe('sdkFaultFromEnv', () => {
  it('reads the kind from FELTFIT_SDK_FAULTS with a seeded stream per function and kind', () => {
    const env = {
      FELTFIT_SDK_FAULTS: 'seed=7,dynamodb=throttle:0.5,ses=timeout:0.1',
      AWS_LAMBDA_FUNCTION_NAME: 'f',
    };
    expect(sdkFaultFromEnv('ses', env)?.fault).toEqual({ fault: 'timeout', rate: 0.1 });
    expect(sdkFaultFromEnv('sns', env)).toBeUndefined();
    expect(sdkFaultFromEnv('dynamodb', {})).toBeUndefined();
    const draws = (e: Record<string, string>) =>
      Array.from({ length: 10 }, sdkFaultFromEnv('dynamodb', e)!.random);
    expect(draws(env)).toEqual(draws(env));
    expect(draws(env)).not.toEqual(draws({ ...env, AWS_LAMBDA_FUNCTION_NAME: 'g' }));
  });
});
