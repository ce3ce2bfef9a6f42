/**
 * Injected AWS SDK failures, for the local runtime and tests only: a middleware that makes a share
 * of a client's calls fail the way the service fails them, *inside* the SDK's retry loop, so the
 * code under test sees exactly what it would see in AWS after the SDK's own retries.
 *
 *   throttle  the call is refused before it is sent: a ThrottlingException (retryable, throttling)
 *   error     the call is refused before it is sent: a 500 InternalServerError (retryable, server)
 *   timeout   the call IS sent and carried out, then its response is lost: a TimeoutError — the
 *             hard case, where the caller cannot know whether e.g. SendEmail delivered
 *
 * Deployed functions never get it: `awsClient` adds it only when FELTFIT_SDK_FAULTS is set, and only
 * the local runtime sets that (from FELTFIT_FAULTS).
 */
import { hashSeed, seededRandom } from '../../domain/random.js';

/** How one kind of client fails. */
export interface SdkFault {
  readonly fault: 'throttle' | 'error' | 'timeout';
  /** Share of calls (0–1). */
  readonly rate: number;
}

/** Per client kind (the ClientKind of awsClient). */
export type SdkFaults = Readonly<Record<string, SdkFault>>;

const FAULTS = new Set(['throttle', 'error', 'timeout']);

/** The client kinds awsClient builds (its ClientKind), the names a fault list may use. */
export const SDK_CLIENT_KINDS = [
  'dynamodb',
  'eventbridge',
  'sfn',
  'ses',
  'sns',
  'sms',
  'sqs',
  'bedrock',
  'sagemaker',
  'cognito',
  'secrets',
] as const;

/** The variable the local runtime gives its functions: `client=fault:rate,…[,seed=N]`. */
export const SDK_FAULTS_ENV = 'FELTFIT_SDK_FAULTS';

/**
 * Parses `dynamodb=throttle:0.1,eventbridge=error:0.05,ses=timeout:0.02`; throws an Error naming
 * the bad part. Kinds are those of awsClient (dynamodb, eventbridge, sfn, ses, sns, sms, sqs,
 * bedrock, sagemaker, cognito, secrets).
 */
export function parseSdkFaults(spec: string, kinds: readonly string[] = SDK_CLIENT_KINDS): SdkFaults {
  const out: Record<string, SdkFault> = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)=([a-z]+):([0-9.]+)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not <client>=<throttle|error|timeout>:<rate>`);
    const [, kind, fault, rateText] = m as unknown as [string, string, string, string];
    if (!kinds.includes(kind)) throw new Error(`'${kind}' is not a client kind (${kinds.join(', ')})`);
    if (!FAULTS.has(fault)) throw new Error(`'${fault}' is not a fault (throttle, error, timeout)`);
    const rate = Number(rateText);
    if (!(rate >= 0 && rate <= 1)) throw new Error(`rate '${rateText}' is not between 0 and 1`);
    out[kind] = { fault: fault as SdkFault['fault'], rate };
  }
  return out;
}

/** The error a service answers, shaped as the SDK's deserializers shape it (name, $fault, $metadata, $retryable). */
function serviceError(fault: 'throttle' | 'error'): Error {
  const throttle = fault === 'throttle';
  const err = new Error(
    throttle
      ? 'Rate exceeded (injected by FELTFIT_FAULTS)'
      : 'Internal server error (injected by FELTFIT_FAULTS)',
  );
  return Object.assign(err, {
    name: throttle ? 'ThrottlingException' : 'InternalServerError',
    $fault: throttle ? 'client' : 'server',
    $metadata: { httpStatusCode: throttle ? 400 : 500, attempts: 1, totalRetryDelay: 0 },
    $retryable: throttle ? { throttling: true } : {},
  });
}

/** Counts of injected faults in this process, by kind and fault (tests and the fault suite read them). */
export const injected: Record<string, number> = {};

interface MiddlewareStack {
  add(middleware: unknown, options: { step: string; name: string; priority?: string }): void;
}

/**
 * Adds the fault to a client's middleware stack, in the deserialize step: inside the retry
 * middleware (finalizeRequest), so an injected throttle is retried by the SDK as a real one is.
 */
export function addSdkFault(
  // Any SDK v3 client: its stack's overloaded add() does not fit a simpler structural type.
  client: { middlewareStack: unknown },
  kind: string,
  fault: SdkFault,
  random: () => number = seededRandom(1),
): void {
  const count = () => {
    const key = `${kind}:${fault.fault}`;
    injected[key] = (injected[key] ?? 0) + 1;
  };
  (client.middlewareStack as MiddlewareStack).add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      if (random() >= fault.rate) return next(args);
      count();
      if (fault.fault !== 'timeout') throw serviceError(fault.fault);
      await next(args);
      throw Object.assign(new Error('the response did not arrive in time (injected by FELTFIT_FAULTS)'), {
        name: 'TimeoutError',
        $metadata: { attempts: 1, totalRetryDelay: 0 },
      });
    },
    { step: 'deserialize', name: 'feltfitInjectedFault', priority: 'low' },
  );
}

/**
 * The fault of one client kind from FELTFIT_SDK_FAULTS, with a generator seeded per function
 * (AWS_LAMBDA_FUNCTION_NAME) and kind; undefined when the variable is unset or names no such kind.
 */
export function sdkFaultFromEnv(
  kind: string,
  env: NodeJS.ProcessEnv = process.env,
): { fault: SdkFault; random: () => number } | undefined {
  const spec = env[SDK_FAULTS_ENV];
  if (!spec) return undefined;
  const seedPart = /(?:^|,)\s*seed=(-?\d+)\s*(?:,|$)/.exec(spec);
  const faults = parseSdkFaults(spec.replace(/(?:^|,)\s*seed=-?\d+\s*(?=,|$)/, ''));
  const fault = faults[kind];
  if (!fault) return undefined;
  const seed = Number(seedPart?.[1] ?? 1);
  return { fault, random: seededRandom(seed ^ hashSeed(`${env.AWS_LAMBDA_FUNCTION_NAME ?? ''}:${kind}`)) };
}
