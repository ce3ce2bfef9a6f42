/**
 * `feltfit sources create NAME | revoke NAME | list [--table NAME]` (options and help: SOURCES).
 *
 * Target: `--table` or FELTFIT_CONTROL_TABLE, with the endpoint from AWS_ENDPOINT_URL_DYNAMODB (or the
 * SDK's normal resolution for AWS). With neither, the local runtime's
 * `${FELTFIT_DATA_DIR:-.feltfit}/runtime.json` supplies both, with dummy local credentials.
 */
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbSourceStore } from '../../../shared/adapters/dynamodb/source-store.js';
import { ClientError } from '../../../shared/domain/errors.js';
import { createSource, revokeSource } from '../../../shared/domain/sources.js';
import { command, group, parseGroup } from '../args.js';
import { reportUnexpected } from '../errors.js';
import { resolveTable, TargetNotFoundError, tableDetails, tableOption } from '../target.js';

const TABLE = tableOption('control', 'CONTROL_TABLE');
const DETAILS = tableDetails('control', 'CONTROL_TABLE');

/** `feltfit sources`: its subcommands, options and examples (the help is generated from them). */
export const SOURCES = group({
  name: 'sources',
  summary: 'Create, revoke and list event sources and their write keys.',
  details: DETAILS,
  commands: {
    create: command({
      name: 'sources create',
      summary: 'create a source and print its write key (shown once)',
      args: 'NAME',
      minArgs: 1,
      options: TABLE,
      examples: ['npx feltfit sources create shopify-storefront'],
      details: DETAILS,
    }),
    revoke: command({
      name: 'sources revoke',
      summary: "revoke a source's write key",
      args: 'NAME',
      minArgs: 1,
      options: TABLE,
      examples: ['npx feltfit sources revoke shopify-storefront'],
      details: DETAILS,
    }),
    list: command({
      name: 'sources list',
      summary: 'list sources',
      options: TABLE,
      examples: ['npx feltfit sources list'],
      details: DETAILS,
    }),
  },
});

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

/** Runs the `sources` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseGroup(SOURCES, args, io);
  if (typeof parsed === 'number') return parsed;
  const sub = parsed.name;
  const table = parsed.values.table;
  const name = parsed.positionals[0];
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
    if (sub === 'create') {
      const { source, writeKey } = await createSource(deps, name!);
      io.out(`created source '${source.name}'\n\nwrite key: ${writeKey}\n\n`);
      io.err('warning: store this write key now; it is not saved and will not be shown again.\n');
    } else if (sub === 'revoke') {
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
    return reportUnexpected('sources', err, io);
  }
}
