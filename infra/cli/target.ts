/**
 * Where a CLI command finds a table: `--table NAME`, else `FELTFIT_<TABLE_VAR>`, else the running local
 * runtime's `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json` (which also names DynamoDB Local's endpoint).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RUNTIME_NOT_RUNNING } from './errors.js';

/** Raised when no table can be found; says every way to name one. */
export class TargetNotFoundError extends Error {
  override readonly name = 'TargetNotFoundError';
}

/** runtime.json names a process that has ended: the runtime was stopped (Ctrl-C, a crash) without removing it. */
export class RuntimeNotRunningError extends TargetNotFoundError {}

/**
 * Throws RuntimeNotRunningError, and removes the stale file, when `parsed.pid` is a process that no
 * longer exists; a live pid (or none written) passes, and a refused connection later says the same.
 */
export async function assertRuntimeAlive(file: string, parsed: { readonly pid?: unknown }): Promise<void> {
  if (typeof parsed.pid !== 'number') return;
  try {
    process.kill(parsed.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return;
    await rm(file, { force: true });
    throw new RuntimeNotRunningError(`${RUNTIME_NOT_RUNNING}; removed the stale ${file}`);
  }
}

/** What the local runtime writes for the CLI. */
export interface RuntimeFile {
  readonly file: string;
  readonly dynamodbEndpoint?: string;
  /** The local Step Functions endpoint and state machine ARNs by name. */
  readonly sfnEndpoint?: string;
  /** The local EventBridge PutEvents endpoint and the name of the template's bus. */
  readonly busEndpoint?: string;
  readonly eventBusName?: string;
  readonly stateMachines: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** The deployed functions' JOURNEYS_CONFIG (JSON), when the runtime names it. */
  readonly journeysConfig?: string;
}

/** Reads runtime.json; throws TargetNotFoundError (with `hint`) when it is missing or unreadable. */
export async function readRuntimeFile(
  env: Record<string, string | undefined>,
  hint: string,
): Promise<RuntimeFile> {
  const file = join(env.FELTFIT_DATA_DIR ?? '.feltfit', 'runtime.json');
  let parsed: {
    pid?: unknown;
    journeysConfig?: unknown;
    dynamodbEndpoint?: unknown;
    sfnEndpoint?: unknown;
    busEndpoint?: unknown;
    eventBusName?: unknown;
    stateMachines?: Record<string, unknown>;
    env?: Record<string, unknown>;
  };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new TargetNotFoundError(`${hint}, or start the local runtime (npm start) so that ${file} exists`, {
      cause: err,
    });
  }
  await assertRuntimeAlive(file, parsed);
  const strings = (o: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      Object.entries(o ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  return {
    file,
    ...(typeof parsed.dynamodbEndpoint === 'string' ? { dynamodbEndpoint: parsed.dynamodbEndpoint } : {}),
    ...(typeof parsed.sfnEndpoint === 'string' ? { sfnEndpoint: parsed.sfnEndpoint } : {}),
    ...(typeof parsed.busEndpoint === 'string' ? { busEndpoint: parsed.busEndpoint } : {}),
    ...(typeof parsed.eventBusName === 'string' ? { eventBusName: parsed.eventBusName } : {}),
    stateMachines: strings(parsed.stateMachines),
    env: strings(parsed.env),
    ...(typeof parsed.journeysConfig === 'string' ? { journeysConfig: parsed.journeysConfig } : {}),
  };
}

/** The `--table NAME` option of a command that works on one table (resolved by resolveTable). */
export function tableOption(label: string, tableVar: string) {
  return {
    table: {
      type: 'string',
      value: 'NAME',
      describe: `the ${label} table (else FELTFIT_${tableVar}, else the local runtime's runtime.json)`,
    },
  } as const;
}

/** The help's paragraph on where such a command finds its table. */
export const tableDetails = (label: string, tableVar: string) =>
  `The ${label} table comes from --table or FELTFIT_${tableVar} (endpoint: AWS_ENDPOINT_URL_DYNAMODB),
else from the local runtime's \${FELTFIT_DATA_DIR:-.feltfit}/runtime.json.`;

/** A table to talk to, and DynamoDB Local's endpoint when it came from the local runtime. */
export interface TableTarget {
  readonly tableName: string;
  readonly endpoint?: string;
  readonly local: boolean;
}

/**
 * Resolves one table. `tableVar` is the functions' variable (e.g. `CONTROL_TABLE`); the CLI's own
 * variable is `FELTFIT_` + it. `label` names the table in messages (e.g. `control`).
 */
export async function resolveTable(
  table: string | undefined,
  env: Record<string, string | undefined>,
  tableVar: string,
  label: string,
): Promise<TableTarget> {
  const tableName = table ?? env[`FELTFIT_${tableVar}`];
  if (tableName) return { tableName, local: false };
  const runtime = await readRuntimeFile(env, `no ${label} table: pass --table NAME, set FELTFIT_${tableVar}`);
  const fromFile = runtime.env[tableVar];
  if (!runtime.dynamodbEndpoint || !fromFile) {
    throw new TargetNotFoundError(`${runtime.file} does not name dynamodbEndpoint and env.${tableVar}`);
  }
  return { tableName: fromFile, endpoint: runtime.dynamodbEndpoint, local: true };
}

const SECRET_VARS = { writeKey: 'FELTFIT_WRITE_KEY', adminToken: 'FELTFIT_ADMIN_TOKEN' } as const;
type Secret = keyof typeof SECRET_VARS;

async function readJsonObject(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Feltfit's HTTP endpoint and the secrets a command posts with: `--url`, else the running local
 * runtime's runtime.json; each secret from its variable, else `credentials.json` (kept by `npm
 * start`). Throws TargetNotFoundError saying what is missing and where it can come from.
 */
export async function resolveHttpTarget<K extends Secret>(
  url: string | undefined,
  env: Record<string, string | undefined>,
  needs: readonly K[],
): Promise<{ readonly url: string } & Record<K, string>> {
  const dataDir = env.FELTFIT_DATA_DIR ?? '.feltfit';
  let base = url;
  if (!base) {
    const runtimeFile = join(dataDir, 'runtime.json');
    const runtime = await readJsonObject(runtimeFile);
    if (runtime) await assertRuntimeAlive(runtimeFile, runtime);
    if (typeof runtime?.url !== 'string')
      throw new TargetNotFoundError(
        `no URL: pass --url URL, or start Feltfit (npm start) so ${dataDir}/runtime.json exists`,
      );
    base = runtime.url;
  }
  const file = join(dataDir, 'credentials.json');
  const credentials = await readJsonObject(file);
  const secrets = {} as Record<K, string>;
  const missing: string[] = [];
  for (const key of needs) {
    const fromFile = credentials?.[key];
    const value = env[SECRET_VARS[key]] || (typeof fromFile === 'string' ? fromFile : undefined);
    if (value) secrets[key] = value;
    else missing.push(SECRET_VARS[key]);
  }
  if (missing.length > 0)
    throw new TargetNotFoundError(
      `no credentials: set ${missing.join(' and ')} (npm start prints ${missing.length > 1 ? 'them' : 'it'}), or have ${file}`,
    );
  return { url: base.replace(/\/+$/, ''), ...secrets };
}
