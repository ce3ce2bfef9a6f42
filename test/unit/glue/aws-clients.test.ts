import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  awsClient,
  CLIENT_PROFILES,
  type ClientKind,
  ThrottlingRetryStrategy,
} from '../../../shared/adapters/aws/clients.js';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** An HTTP server that accepts every request and never answers it. */
async function hungServer(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer(() => {
    requests++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const email = {
  FromEmailAddress: 'shop@example.com',
  Destination: { ToAddresses: ['ada@example.com'] },
  Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hi' } } } },
};

describe('the AWS client factory', () => {
  it.each(Object.keys(CLIENT_PROFILES) as ClientKind[])(
    'gives %s clients a connection timeout, a request timeout that throws, and bounded attempts',
    async (kind) => {
      // Port 1 refuses at once: the request only makes the handler resolve its options.
      const client = awsClient(DynamoDBClient, kind, { ...local, endpoint: 'http://127.0.0.1:1' });
      const profile = CLIENT_PROFILES[kind];
      const handler = client.config.requestHandler as unknown as {
        httpHandlerConfigs(): Record<string, unknown>;
      };
      // The handler resolves its options lazily, on the first request.
      await client.send(new GetItemCommand({ TableName: 't', Key: {} })).catch(() => undefined);
      expect(handler.httpHandlerConfigs()).toMatchObject({
        connectionTimeout: profile.connectionTimeoutMs,
        requestTimeout: profile.requestTimeoutMs,
        throwOnRequestTimeout: true,
      });
      expect(profile.connectionTimeoutMs).toBeGreaterThan(0);
      expect(profile.requestTimeoutMs).toBeGreaterThan(0);
      expect(await client.config.maxAttempts()).toBe(profile.maxAttempts);
      const strategy = await client.config.retryStrategy();
      expect(strategy instanceof ThrottlingRetryStrategy).toBe(profile.retry === 'throttling');
      client.destroy();
    },
    30_000,
  );

  it('keeps the endpoint from AWS_ENDPOINT_URL_<SERVICE> when no endpoint is passed', async () => {
    const before = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:1';
    try {
      const client = awsClient(DynamoDBClient, 'dynamodb', { ...local, maxAttempts: 1 });
      const err = (await client.send(new GetItemCommand({ TableName: 't', Key: {} })).catch((e) => e)) as {
        code?: string;
        name?: string;
      };
      // Port 1 refuses the connection: the client went to the local endpoint, not to AWS.
      expect(err.code ?? err.name).toBe('ECONNREFUSED');
      client.destroy();
    } finally {
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB = before;
    }
  });

  it('fails a SendEmail to a server that never answers with a TimeoutError, after one attempt', async () => {
    const server = await hungServer();
    cleanup = server.close;
    const ses = awsClient(SESv2Client, 'ses', { ...local, endpoint: server.url });
    const err = (await ses.send(new SendEmailCommand(email)).catch((e) => e)) as Error & {
      $metadata?: { attempts?: number };
    };
    expect(err.name).toBe('TimeoutError');
    // A timed-out send may have been delivered: the provider client does not try again by itself.
    expect(server.requests()).toBe(1);
    expect(err.$metadata?.attempts).toBe(1);
    ses.destroy();
  }, 30_000);

  it('fails a DynamoDB call to a server that never answers instead of hanging', async () => {
    const server = await hungServer();
    cleanup = server.close;
    const ddb = awsClient(DynamoDBClient, 'dynamodb', { ...local, endpoint: server.url, maxAttempts: 2 });
    const err = (await ddb.send(new GetItemCommand({ TableName: 't', Key: {} })).catch((e) => e)) as Error;
    expect(err.name).toBe('TimeoutError');
    // Standard retries treat a timeout as transient: it was tried again, then gave up.
    expect(server.requests()).toBe(2);
    ddb.destroy();
  }, 30_000);
});

describe('the throttling-only retry strategy', () => {
  const strategy = new ThrottlingRetryStrategy(3, 100, 1_000, () => 0.5);

  it('retries throttling with a growing, bounded delay up to the attempt limit', async () => {
    const first = await strategy.acquireInitialRetryToken('');
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    expect(second.getRetryCount()).toBe(1);
    expect(second.getRetryDelay()).toBe(100);
    const third = await strategy.refreshRetryTokenForRetry(second, { errorType: 'THROTTLING' });
    expect(third.getRetryDelay()).toBe(200);
    await expect(strategy.refreshRetryTokenForRetry(third, { errorType: 'THROTTLING' })).rejects.toThrow();
  });

  it.each(['TRANSIENT', 'SERVER_ERROR', 'CLIENT_ERROR'] as const)(
    'does not retry a %s error',
    async (errorType) => {
      const first = await strategy.acquireInitialRetryToken('');
      await expect(strategy.refreshRetryTokenForRetry(first, { errorType })).rejects.toThrow();
    },
  );
});

describe('fault injection through the factory', () => {
  it('adds the FELTFIT_SDK_FAULTS middleware to the clients of the kinds it lists, and only those', async () => {
    process.env.FELTFIT_SDK_FAULTS = 'ses=error:1,seed=7';
    try {
      const ses = awsClient(SESv2Client, 'ses', { ...local, endpoint: 'http://127.0.0.1:1' });
      await expect(ses.send(new SendEmailCommand(email))).rejects.toMatchObject({
        name: 'InternalServerError',
      });
      const ddb = awsClient(DynamoDBClient, 'dynamodb', {
        ...local,
        endpoint: 'http://127.0.0.1:1',
        maxAttempts: 1,
      });
      const err = (await ddb.send(new GetItemCommand({ TableName: 't', Key: {} })).catch((e) => e)) as {
        code?: string;
      };
      expect(err.code).toBe('ECONNREFUSED');
      process.env.FELTFIT_SDK_FAULTS = 'ses=slow:1';
      expect(() => awsClient(SESv2Client, 'ses', local)).toThrow(/FELTFIT_SDK_FAULTS: 'slow' is not a fault/);
    } finally {
      delete process.env.FELTFIT_SDK_FAULTS;
    }
  });
});
