/**
 * `feltfit sources create NAME | revoke NAME | list [--table NAME]`.
 *
 * Target: `--table` or FELTFIT_CONTROL_TABLE, with the endpoint from AWS_ENDPOINT_URL_DYNAMODB (or the
 * SDK's normal resolution for AWS). With neither, the local runtime's
 * `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json` supplies both, with dummy local credentials.
 */
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { ClientError } from '../../../shared/domain/errors.js';
import { createSource, revokeSource } from '../../../shared/domain/sources.js';
import { resolveTable, TargetNotFoundError } from '../target.js';

const USAGE = `usage: feltfit sources <command> [--table NAME]

commands:
  create NAME   create a source and print its write key (shown once)
  revoke NAME   revoke a source's write key
  list          list sources

The control table comes from --table or FELTFIT_CONTROL_TABLE (endpoint: AWS_ENDPOINT_URL_DYNAMODB),
else from the local runtime's \${FELTFIT_DATA_DIR:-.feltfit}/runtime.json.
`;

/** Where the CLI writes; injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Record<string, string | undefined>;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

/** Raised when no control table can be found. */
export { TargetNotFoundError };

const resolveTarget = (table: string | undefined, env: Io['env']) =>
  resolveTable(table, env, 'CONTROL_TABLE', 'control');

function parseArgs(args: string[]): { positional: string[]; table?: string } {
  const positional: string[] = [];
  let table: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--table') table = args[++i];
    else if (arg.startsWith('--table=')) table = arg.slice('--table='.length);
    else positional.push(arg);
  }
  return { positional, ...(table ? { table } : {}) };
}

/** Runs the `sources` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const { positional, table } = parseArgs(args);
  const [command, name, ...extra] = positional;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  const needsName = command === 'create' || command === 'revoke';
  if (!['create', 'revoke', 'list'].includes(command) || (needsName && !name) || extra.length > 0) {
    io.err(USAGE);
    return 2;
  }
  try {
    const target = await resolveTarget(table, io.env);
    const client = documentClient(
      target.local
        ? {
            endpoint: target.endpoint,
            region: io.env.AWS_REGION ?? 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {},
    );
    const deps = {
      sources: new DynamoDbSourceStore({ client, tableName: target.tableName }),
      now: () => new Date(),
    };
    if (command === 'create') {
      const { source, writeKey } = await createSource(deps, name!);
      io.out(`created source '${source.name}'\n\nwrite key: ${writeKey}\n\n`);
      io.err('warning: store this write key now; it is not saved and will not be shown again.\n');
    } else if (command === 'revoke') {
      await revokeSource(deps, name!);
      io.out(`revoked source '${name}' (ingest stops accepting its key within 30 s)\n`);
    } else {
      const sources = await deps.sources.list();
      if (sources.length === 0) io.out('no sources\n');
      for (const s of sources) {
        io.out(
          `${s.name.padEnd(24)} ${s.status.padEnd(8)} created ${s.createdAt}${s.revokedAt ? ` revoked ${s.revokedAt}` : ''}\n`,
        );
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof ClientError || err instanceof TargetNotFoundError) {
      io.err(`feltfit sources: ${err.message}\n`);
      return 1;
    }
    io.err(`feltfit sources: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    return 1;
  }
}
