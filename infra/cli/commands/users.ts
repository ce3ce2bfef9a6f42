/**
 * `feltfit users add NAME --role ROLE [--role ROLE…] | list | remove NAME`: console users of the
 * local runtime (`${FELTFIT_DATA_DIR:-.feltfit}/console-users.json`), the stand-in for Cognito users
 * in groups. `add` prints the user's token once; only its SHA-256 is kept.
 *
 * In AWS, users are invited to the Cognito user pool by an admin and put in groups with the AWS CLI
 * (README, "Deploy: the console in AWS"); this command says so rather than guessing a pool.
 */
import * as z from 'zod';
import { Role } from '../../../shared/api/roles.js';
import { addLocalConsoleUser, listLocalConsoleUsers, removeLocalConsoleUser } from '../../local/console.js';
import { command, group, parseGroup } from '../args.js';

const DETAILS = `Console users of the local runtime (FELTFIT_DATA_DIR, default .feltfit). Roles: admin, marketer,
reviewer, viewer. In AWS, invite users to the Cognito user pool instead:
  aws cognito-idp admin-create-user --user-pool-id POOL --username EMAIL --user-attributes Name=email,Value=EMAIL
  aws cognito-idp admin-add-user-to-group --user-pool-id POOL --username EMAIL --group-name marketer`;

/** `feltfit users`: its subcommands, options and examples (the help is generated from them). */
export const USERS = group({
  name: 'users',
  summary: 'Add, list and remove local console users and their roles.',
  details: DETAILS,
  commands: {
    add: command({
      name: 'users add',
      summary: 'add a user and print their sign-in token once (open http://localhost:3000/?token=…)',
      args: 'NAME',
      minArgs: 1,
      options: {
        role: {
          type: 'string',
          value: 'ROLE',
          multiple: true,
          describe: 'admin, marketer, reviewer or viewer; give one or more',
        },
      },
      examples: ['npx feltfit users add ada --role marketer --role reviewer'],
      details: DETAILS,
    }),
    list: command({
      name: 'users list',
      summary: 'the local console users and their roles',
      options: {},
      examples: ['npx feltfit users list'],
    }),
    remove: command({
      name: 'users remove',
      summary: 'remove a user: their token no longer signs in',
      args: 'NAME',
      minArgs: 1,
      options: {},
      examples: ['npx feltfit users remove ada'],
    }),
  },
});

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

const Name = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'a name is 1–64 of A–Z a–z 0–9 _ . @ -');

/** Runs the `users` command group; returns the exit code. */
export async function run(args: string[], io: Io = processIo): Promise<number> {
  const dataDir = io.env.FELTFIT_DATA_DIR ?? '.feltfit';
  const parsed = parseGroup(USERS, args, io);
  if (typeof parsed === 'number') return parsed;
  if (parsed.name === 'list') {
    const users = listLocalConsoleUsers(dataDir);
    if (users.length === 0) io.out('no local console users (the admin token signs in as local-admin)\n');
    for (const u of users) io.out(`${u.name.padEnd(24)} ${u.roles.join(', ')}\n`);
    return 0;
  }
  const name = Name.safeParse(parsed.positionals[0]);
  if (!name.success) return fail(io, `feltfit users ${parsed.name}: NAME: ${name.error.issues[0]?.message}`);
  if (parsed.name === 'remove') {
    if (!removeLocalConsoleUser(dataDir, name.data))
      return fail(io, `feltfit users: no user named ${name.data}`);
    io.out(`removed ${name.data}: their token no longer signs in\n`);
    return 0;
  }
  const roles = z
    .array(Role)
    .min(1, 'give at least one --role')
    .safeParse(parsed.values.role ?? []);
  if (!roles.success) {
    return fail(
      io,
      `feltfit users add: --role: ${roles.error.issues[0]?.message} (admin, marketer, reviewer, viewer)`,
    );
  }
  const token = addLocalConsoleUser(dataDir, name.data, roles.data);
  io.out(`${name.data} (${roles.data.join(', ')}) can sign in with this token, shown once:\n${token}\n`);
  return 0;
}

function fail(io: Io, message: string): number {
  io.err(`${message}\n`);
  return 2;
}
