/**
 * How the CLI says what went wrong: one line a person can act on, never a stack trace unless
 * `--debug` (FELTFIT_DEBUG=1) asks for it. Connection refusals, a missing AWS region and placeholder
 * ARNs copied from the docs get their own sentences; anything else is `feltfit <group>: <message>`.
 */

/** A problem the user can fix from what the message says (exit code 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** What the docs say when nothing answers at the local runtime's address. */
export const RUNTIME_NOT_RUNNING = 'the local runtime is not running (start it with `npm start`)';

const LOCAL_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::']);

interface NetError {
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/** The first ECONNREFUSED in an error, its causes or an AggregateError's errors. */
function refusal(err: unknown, depth = 0): NetError | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const e = err as NetError;
  if (e.code === 'ECONNREFUSED' && typeof e.address === 'string') return e;
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = refusal(inner, depth + 1);
    if (found) return found;
  }
  return e.code === 'ECONNREFUSED' ? e : undefined;
}

/**
 * Whether nothing listens where a request went (ECONNREFUSED anywhere in the error's causes): not worth
 * retrying with backoff, as a stopped `npm start` would only be reported a minute later.
 */
export const isConnectionRefused = (err: unknown): boolean => refusal(err) !== undefined;

/** What to do about a failure the CLI recognises: nothing listening, no region, no credentials. */
function known(err: unknown): string | undefined {
  const refused = refusal(err);
  if (refused) {
    if (typeof refused.address !== 'string' || LOCAL_HOSTS.has(refused.address)) return RUNTIME_NOT_RUNNING;
    return `nothing answers at ${refused.address}:${String(refused.port)} (connection refused)`;
  }
  if (!(err instanceof Error)) return undefined;
  if (err.message === 'Region is missing')
    return 'set AWS_REGION (or --region REGION): the AWS SDK found no region for this AWS call';
  if (/Could not load credentials|CredentialsProviderError/.test(`${err.name} ${err.message}`))
    return `no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${err.message})`;
  return undefined;
}

/** The one-line explanation of an unexpected failure (without the `feltfit <group>: ` prefix). */
export function explain(err: unknown): string {
  const recognised = known(err);
  if (recognised) return recognised;
  if (!(err instanceof Error)) return String(err);
  const line = err.message.split('\n')[0] ?? '';
  // A JavaScript or AWS error's name says what kind of failure it was; our own errors' messages do.
  return /^(TypeError|RangeError|SyntaxError|ReferenceError)$|Exception$/.test(err.name)
    ? `${err.name}: ${line}`
    : line;
}

/** Writes `feltfit <group>: <explanation>` and, with --debug, the stack; returns exit code 1. */
export function reportUnexpected(
  group: string,
  err: unknown,
  io: { readonly err: (text: string) => void; readonly env: Record<string, string | undefined> },
): number {
  io.err(`feltfit ${group}: ${explain(err)}\n`);
  if (io.env.FELTFIT_DEBUG === '1') io.err(`${err instanceof Error ? err.stack : String(err)}\n`);
  else if (!(err instanceof CliError) && !known(err)) io.err('(run again with --debug for the stack)\n');
  return 1;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * Checks an ARN given on the command line or in a FELTFIT_ variable before any AWS call: the docs'
 * `arn:aws:states:…:stateMachine:…` or an `ACCOUNT`/`REGION` placeholder says so in one line instead
 * of failing inside the SDK. Returns the ARN's region.
 */
export function checkArn(arn: string, what: string): string {
  const [prefix, partition, service, region, account, ...resource] = arn.split(':');
  const placeholder = /…|\.\.\.|<|>|\b(REGION|ACCOUNT|ACCOUNT_ID)\b/.test(arn);
  if (placeholder || prefix !== 'arn' || !partition || !service || resource.length === 0)
    throw new CliError(
      `${what} '${arn}' ${placeholder ? 'looks like a placeholder' : 'is not an ARN'}: use the ARN from your stack's outputs (aws cloudformation describe-stacks --stack-name Feltfit)`,
    );
  if (!region || !REGION.test(region) || !/^\d{12}$/.test(account ?? ''))
    throw new CliError(
      `${what} '${arn}' needs a region and a 12-digit account (arn:aws:SERVICE:REGION:ACCOUNT:…)`,
    );
  return region;
}
