/**
 * Where a CLI command finds a table: `--table NAME`, else `FELTFIT_<TABLE_VAR>`, else the running local
 * runtime's `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json` (which also names DynamoDB Local's endpoint).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Raised when no table can be found; says every way to name one. */
export class TargetNotFoundError extends Error {
  override readonly name = 'TargetNotFoundError';
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
