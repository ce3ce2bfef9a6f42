/**
 * `feltfit keys status|rotate|rehash`: the identity hash keyring and its rotation (docs/privacy.md §8).
 *
 * Locally (default) the keyring is FELTFIT_IDENTITY_HMAC_KEY, else the local runtime's secret file in
 * `${FELTFIT_DATA_DIR:-.feltfit}/secrets/` (rotate rewrites that file, mode 0600); with `--aws` it is the
 * Secrets Manager secret `--secret-id` or FELTFIT_IDENTITY_HMAC_KEY_ARN (rotate writes a new version
 * with PutSecretValue). Tables: `--profiles-table`, `--messages-table`, else FELTFIT_PROFILES_TABLE and
 * FELTFIT_MESSAGES_TABLE, else (without --aws) the local runtime's runtime.json.
 */
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClient } from '../../../shared/adapters/aws/clients.js';
import { SecretsManagerKeyring } from '../../../shared/adapters/aws/keyring-secret.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbKeyRehash } from '../../../shared/adapters/dynamodb/key-rehash.js';
import {
  HashKeyUnavailableError,
  type Keyring,
  keyedHasher,
  rotatedKeyring,
} from '../../../shared/domain/privacy/keyed-hash.js';
import { type KeyCounts, LEFT_REASONS, REHASH_KINDS } from '../../../shared/domain/privacy/rehash.js';
import { command, group, JSON_OPTION, parseGroup, type Selected } from '../args.js';
import { resolveKeyring } from '../hash-key.js';
import { resolveTable, TargetNotFoundError } from '../target.js';
import { type Io, processIo, reportFailure } from './profiles.js';

const OPTIONS = {
  aws: {
    type: 'boolean',
    describe: "the keyring in Secrets Manager (the stack's IdentityHashKey secret)",
  },
  'secret-id': {
    type: 'string',
    value: 'ARN',
    describe: 'with --aws: the secret (else FELTFIT_IDENTITY_HMAC_KEY_ARN)',
  },
  'profiles-table': {
    type: 'string',
    value: 'NAME',
    describe: "else FELTFIT_PROFILES_TABLE, else the local runtime's runtime.json",
  },
  'messages-table': {
    type: 'string',
    value: 'NAME',
    describe: "else FELTFIT_MESSAGES_TABLE, else the local runtime's runtime.json",
  },
} as const;

const DETAILS = `Without --aws the keyring is FELTFIT_IDENTITY_HMAC_KEY, else the local runtime's
(\${FELTFIT_DATA_DIR:-.feltfit}/secrets/). See docs/privacy.md §8.`;

/** `feltfit keys`: its subcommands, options and examples (the help is generated from them). */
export const KEYS = group({
  name: 'keys',
  summary: 'The identity hash keyring: status, rotate, rehash (docs/privacy.md §8).',
  details: DETAILS,
  commands: {
    status: command({
      name: 'keys status',
      summary: "the keyring's key ids (current first) and the keyed items under each key",
      options: { ...JSON_OPTION, ...OPTIONS },
      examples: ['npx feltfit keys status'],
      details: `Reads the profiles and messages tables whole (a keys-only paged Scan): an operator command.
${DETAILS}`,
    }),
    rotate: command({
      name: 'keys rotate',
      summary: 'add a generated key and make it current (step 1 of a rotation)',
      options: OPTIONS,
      examples: ['npx feltfit keys rotate'],
      details: `Locally the data directory's secret file (mode 0600): restart npm start so the functions read it;
with --aws a new version of the secret: functions read it at their next cold start (publish new
versions or redeploy). ${DETAILS}`,
    }),
    rehash: command({
      name: 'keys rehash',
      summary: 'step 2: rewrite identity pointers, tombstones and suppressions under the current key',
      options: OPTIONS,
      examples: ['npx feltfit keys rehash'],
      details: `Run it once every function hashes with the new key. Prints progress, then what stays under older
keys and why. Idempotent and resumable (run it again). Reads the profiles table whole (paged Scan).
${DETAILS}`,
    }),
  },
});

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new key as Secrets Manager generates the first one: 64 letters and digits. */
function generateSecret(): string {
  return Array.from({ length: 64 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
}

/** Where the keyring lives: read it, and (rotate) write it back. */
interface KeyringSource {
  readonly where: string;
  read(): Promise<Keyring>;
  write(keyring: Keyring): Promise<void>;
  /** What makes the functions read a new keyring. */
  readonly takesEffect: string;
}

type Flags = {
  readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

async function keyringSource(options: Flags, aws: boolean, io: Io): Promise<KeyringSource> {
  if (aws) {
    const secretId = options['secret-id'] ?? io.env.FELTFIT_IDENTITY_HMAC_KEY_ARN;
    if (!secretId)
      throw new TargetNotFoundError(
        'no keyring secret: pass --secret-id ARN or set FELTFIT_IDENTITY_HMAC_KEY_ARN',
      );
    const secret = new SecretsManagerKeyring({
      client: awsClient(SecretsManagerClient, 'secrets'),
      secretId,
    });
    return {
      where: `secret ${secretId}`,
      read: () => secret.read(),
      write: (k) => secret.write(k),
      takesEffect: 'functions read it at their next cold start: publish new versions or redeploy',
    };
  }
  const { keyring, file } = await resolveKeyring(io.env);
  return {
    where: file ?? 'FELTFIT_IDENTITY_HMAC_KEY',
    read: async () => keyring,
    write: async (k) => {
      if (!file)
        throw new TargetNotFoundError(
          'the keyring comes from FELTFIT_IDENTITY_HMAC_KEY: rotate the secret it was copied from (--aws)',
        );
      await writeFile(file, JSON.stringify(k), { mode: 0o600 });
    },
    takesEffect: 'restart the local runtime (npm start) so its functions read it',
  };
}

async function tablesFor(options: Flags, aws: boolean, env: Io['env']) {
  const named = (flag: 'profiles-table' | 'messages-table', variable: string) =>
    options[flag] ?? env[`FELTFIT_${variable}`];
  if (aws) {
    const profiles = named('profiles-table', 'PROFILES_TABLE');
    const messages = named('messages-table', 'MESSAGES_TABLE');
    if (!profiles || !messages)
      throw new TargetNotFoundError(
        'with --aws, name the tables: --profiles-table and --messages-table, or FELTFIT_PROFILES_TABLE and FELTFIT_MESSAGES_TABLE',
      );
    return { profiles, messages, client: documentClient() };
  }
  const profiles = await resolveTable(options['profiles-table'], env, 'PROFILES_TABLE', 'profiles');
  const messages = await resolveTable(options['messages-table'], env, 'MESSAGES_TABLE', 'messages');
  const endpoint = profiles.endpoint ?? messages.endpoint;
  const client = documentClient(
    endpoint
      ? {
          endpoint,
          region: env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  return { profiles: profiles.tableName, messages: messages.tableName, client };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The counts as lines: one per kind, each key's count (keys the keyring no longer holds marked). */
function countLines(counts: KeyCounts, keyIds: readonly string[]): string[] {
  const found = new Set(REHASH_KINDS.flatMap((k) => Object.keys(counts[k])));
  const ids = [...keyIds, ...[...found].filter((id) => !keyIds.includes(id)).sort()];
  return REHASH_KINDS.map((kind) => {
    const cells = ids.map(
      (id) => `${id}${keyIds.includes(id) ? '' : ' (not in the keyring)'} ${fmt(counts[kind][id] ?? 0)}`,
    );
    return `  ${kind.padEnd(12)} ${cells.join(', ')}\n`;
  });
}

async function execute(args: Selected<(typeof KEYS)['commands']>, io: Io): Promise<number> {
  const command = args.name;
  const aws = args.values.aws === true;
  const source = await keyringSource(args.values, aws, io);
  const keyring = await source.read();
  const hasher = keyedHasher(keyring);

  if (command === 'rotate') {
    const { keyring: next, keyId } = rotatedKeyring(keyring, generateSecret());
    await source.write(next);
    io.out(
      `rotated ${source.where}: ${keyId} is current, keeping ${hasher.keyIds.join(', ')}\n` +
        `next: ${source.takesEffect}; then run feltfit keys rehash${aws ? ' --aws' : ''}\n`,
    );
    return 0;
  }

  const tables = await tablesFor(args.values, aws, io.env);
  const store = new DynamoDbKeyRehash({
    client: tables.client,
    profilesTable: tables.profiles,
    messagesTable: tables.messages,
    hasher,
  });
  if (args.name === 'status') {
    const counts = await store.counts();
    if (args.values.json) {
      io.out(`${JSON.stringify({ current: hasher.currentKeyId, keyIds: hasher.keyIds, counts }, null, 2)}\n`);
      return 0;
    }
    io.out(
      `keyring (${source.where}): ${hasher.keyIds.map((id, i) => (i === 0 ? `${id} (current)` : id)).join(', ')}\n`,
    );
    for (const line of countLines(counts, hasher.keyIds)) io.out(line);
    return 0;
  }

  if (hasher.keyIds.length < 2) {
    io.out(`the keyring holds one key (${hasher.currentKeyId}): nothing to rehash\n`);
    return 0;
  }
  io.out(`rehash to ${hasher.currentKeyId} from ${hasher.keyIds.slice(1).join(', ')}\n`);
  const summary = await store.rehash((p) =>
    io.out(`  ${fmt(p.profiles)} profiles read, ${fmt(p.rewritten)} items rewritten\n`),
  );
  const list = (r: Record<string, number>) => REHASH_KINDS.map((k) => `${fmt(r[k] ?? 0)} ${k}`).join(', ');
  io.out(`done: ${fmt(summary.profiles)} profiles; rewritten ${list(summary.rewritten)}\n`);
  io.out(`  older copies dropped (the current key's item already existed): ${list(summary.superseded)}\n`);
  const counts = await store.counts();
  const left = REHASH_KINDS.map((kind) => ({
    kind,
    byKey: Object.entries(counts[kind]).filter(([id, n]) => id !== hasher.currentKeyId && n > 0),
  })).filter((l) => l.byKey.length > 0);
  if (left.length === 0) io.out('left under older keys: none\n');
  else {
    io.out('left under older keys:\n');
    for (const { kind, byKey } of left)
      io.out(`  ${kind}: ${byKey.map(([id, n]) => `${id} ${fmt(n)}`).join(', ')} — ${LEFT_REASONS[kind]}\n`);
  }
  io.out(
    `event partitions written under ${hasher.keyIds.slice(1).join(', ')} stay there until they expire (retention); keep those keys in the keyring until then\n`,
  );
  return 0;
}

/** Entry point of `feltfit keys`; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseGroup(KEYS, args, io);
  if (typeof parsed === 'number') return parsed;
  try {
    return await execute(parsed, io);
  } catch (err) {
    return reportFailure(
      `keys ${parsed.name}`,
      err,
      io,
      (e) => e instanceof TargetNotFoundError || e instanceof HashKeyUnavailableError,
    );
  }
}
