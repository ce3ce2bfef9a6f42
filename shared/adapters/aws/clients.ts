/**
 * The one place AWS SDK clients are configured: every client a function or adapter builds comes from
 * `awsClient(Client, kind)`, so each call has a connection timeout, a request timeout (a hung
 * server fails the call instead of running the Lambda to its own timeout) and a retry strategy.
 *
 * The endpoint is not set here: the SDK reads the standard `AWS_ENDPOINT_URL_<SERVICE>` variables
 * (the local runtime sets `AWS_ENDPOINT_URL_DYNAMODB`, `…_EVENTBRIDGE`, `…_SFN`), and the region
 * comes from `AWS_REGION` as usual. A caller may still pass `endpoint`, `region` or `credentials`.
 *
 * Provider clients (SES, SNS, End User Messaging SMS) retry throttling only: a timed-out or reset
 * SendEmail may have been delivered, and whether to try again is the send path's decision
 * (docs/channels.md#send-reconciliation), not the SDK's.
 *
 * With FELTFIT_SDK_FAULTS set (the local runtime and tests only, from FELTFIT_FAULTS) each client of
 * a listed kind also gets the fault middleware (fault-middleware.ts).
 */
import { addSdkFault, SDK_FAULTS_ENV, sdkFaultFromEnv } from './fault-middleware.js';

/** What a client is used for; each kind has its own timeouts and retries (CLIENT_PROFILES). */
export type ClientKind =
  | 'dynamodb'
  | 'eventbridge'
  | 'sfn'
  | 'ses'
  | 'sns'
  | 'sms'
  | 'sqs'
  | 'bedrock'
  | 'sagemaker'
  | 'cognito'
  | 'secrets';

/** Timeouts and retries of one kind of client. */
export interface ClientProfile {
  /** Milliseconds to establish the TCP/TLS connection. */
  readonly connectionTimeoutMs: number;
  /** Milliseconds the request and its response may take (and a socket may stay idle). */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** `standard`: the SDK's standard retries; `throttling`: only throttling errors are retried. */
  readonly retry: 'standard' | 'throttling';
}

/**
 * The figures per kind (docs/operations.md#sdk-timeouts-and-retries). A hung call fails after one
 * request timeout; the provider calls (one attempt on a timeout) fit the send function's 10 s.
 */
export const CLIENT_PROFILES: Readonly<Record<ClientKind, ClientProfile>> = {
  // Milliseconds in AWS; 5 s leaves room for a 1 MB query page, a transaction, or DynamoDB Local
  // and the local bus on a loaded 2-core laptop, while a hung call still fails.
  dynamodb: { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 3, retry: 'standard' },
  eventbridge: { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 3, retry: 'standard' },
  // GetExecutionHistory pages and ListExecutions are slower than a start.
  sfn: { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 3, retry: 'standard' },
  ses: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3, retry: 'throttling' },
  sns: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3, retry: 'throttling' },
  sms: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3, retry: 'throttling' },
  // Above SQS's 20 s long poll, so a ReceiveMessage that waits is not cut off.
  sqs: { connectionTimeoutMs: 1_000, requestTimeoutMs: 25_000, maxAttempts: 3, retry: 'standard' },
  // Generation bounds each attempt itself (generator.timeoutMs, an AbortSignal) and owns its retries.
  bedrock: { connectionTimeoutMs: 2_000, requestTimeoutMs: 60_000, maxAttempts: 1, retry: 'standard' },
  // The predictor aborts at models.sagemaker.timeoutMs and falls back to the built-in model.
  sagemaker: { connectionTimeoutMs: 1_000, requestTimeoutMs: 10_000, maxAttempts: 2, retry: 'standard' },
  cognito: { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 3, retry: 'standard' },
  secrets: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3, retry: 'standard' },
};

/** The retry token of ThrottlingRetryStrategy. */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** What the SDK's retry middleware tells a strategy about a failed attempt. */
interface RetryErrorInfo {
  readonly errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  readonly retryAfterHint?: Date;
}

/**
 * A retry strategy (the SDK's RetryStrategyV2 shape) that retries throttling errors only, with
 * exponential backoff and full jitter; anything else fails the call at once.
 */
export class ThrottlingRetryStrategy {
  readonly mode = 'standard';

  constructor(
    private readonly maxAttempts: number,
    private readonly baseDelayMs = 200,
    private readonly maxDelayMs = 5_000,
    private readonly random: () => number = Math.random,
  ) {}

  private token(count: number, delay: number): RetryToken {
    return { getRetryCount: () => count, getRetryDelay: () => delay };
  }

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return this.token(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const count = token.getRetryCount() + 1;
    if (errorInfo.errorType !== 'THROTTLING' || count >= this.maxAttempts) {
      throw new Error('no retry');
    }
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** count);
    const hinted = errorInfo.retryAfterHint ? errorInfo.retryAfterHint.getTime() - Date.now() : 0;
    return this.token(
      count,
      Math.max(Math.floor(this.random() * ceiling), Math.min(hinted, this.maxDelayMs)),
    );
  }

  recordSuccess(_token: RetryToken): void {}
}

/** The client configuration of a kind: request handler timeouts, attempts and retry strategy. */
export function clientConfig(kind: ClientKind) {
  const p = CLIENT_PROFILES[kind];
  return {
    maxAttempts: p.maxAttempts,
    // NodeHttpHandler options: the SDK builds its handler from them.
    requestHandler: {
      connectionTimeout: p.connectionTimeoutMs,
      requestTimeout: p.requestTimeoutMs,
      // Without it a breached requestTimeout only logs a warning.
      throwOnRequestTimeout: true,
      socketTimeout: p.requestTimeoutMs,
    },
    ...(p.retry === 'throttling'
      ? { retryStrategy: new ThrottlingRetryStrategy(p.maxAttempts) }
      : { retryMode: 'standard' as const }),
  };
}

/**
 * A client of `kind` with Feltfit's timeouts and retries; `overrides` (endpoint, region,
 * credentials, …) are applied on top. The endpoint otherwise follows `AWS_ENDPOINT_URL_<SERVICE>`.
 */
export function awsClient<C, Config extends object>(
  Client: new (config: Config) => C,
  kind: ClientKind,
  overrides: Partial<Config> = {},
): C {
  const client = new Client({ ...clientConfig(kind), ...overrides } as Config);
  let injected: ReturnType<typeof sdkFaultFromEnv>;
  try {
    injected = sdkFaultFromEnv(kind);
  } catch (cause) {
    throw new Error(`${SDK_FAULTS_ENV}: ${(cause as Error).message}`, { cause });
  }
  if (injected) addSdkFault(client as { middlewareStack: unknown }, kind, injected.fault, injected.random);
  return client;
}
