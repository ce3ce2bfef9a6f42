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

const USAGE = `usage: feltfit users add NAME --role ROLE [--role ROLE…]
       feltfit users list
       feltfit users remove NAME

Console users of the local runtime (FELTFIT_DATA_DIR, default .feltfit). Roles: admin, marketer,
reviewer, viewer. 'add' prints the user's sign-in token once (open http://localhost:3000/?token=…).
In AWS, invite users to the Cognito user pool instead:
  aws cognito-idp admin-create-user --user-pool-id POOL --username EMAIL --user-attributes Name=email,Value=EMAIL
  aws cognito-idp admin-add-user-to-group --user-pool-id POOL --username EMAIL --group-name marketer
`;

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
  const [command, ...rest] = args;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'list' && rest.length === 0) {
    const users = listLocalConsoleUsers(dataDir);
    if (users.length === 0) io.out('no local console users (the admin token signs in as local-admin)\n');
    for (const u of users) io.out(`${u.name.padEnd(24)} ${u.roles.join(', ')}\n`);
    return 0;
  }
  if (command === 'remove' && rest.length === 1) {
    const name = Name.safeParse(rest[0]);
    if (!name.success) return fail(io, `feltfit users: ${name.error.issues[0]?.message}`);
    if (!removeLocalConsoleUser(dataDir, name.data))
      return fail(io, `feltfit users: no user named ${name.data}`);
    io.out(`removed ${name.data}: their token no longer signs in\n`);
    return 0;
  }
  if (command === 'add') {
    const [rawName, ...flags] = rest;
    const roles: string[] = [];
    for (let i = 0; i < flags.length; i++) {
      const f = flags[i]!;
      if (f === '--role' && flags[i + 1] !== undefined) roles.push(flags[++i]!);
      else if (f.startsWith('--role=')) roles.push(f.slice('--role='.length));
      else return fail(io, `feltfit users: unexpected argument ${f}\n\n${USAGE}`);
    }
    const name = Name.safeParse(rawName);
    if (!name.success) return fail(io, `feltfit users: NAME: ${name.error.issues[0]?.message}`);
    const parsed = z.array(Role).min(1, 'give at least one --role').safeParse(roles);
    if (!parsed.success) {
      return fail(
        io,
        `feltfit users: --role: ${parsed.error.issues[0]?.message} (admin, marketer, reviewer, viewer)`,
      );
    }
    const token = addLocalConsoleUser(dataDir, name.data, parsed.data);
    io.out(`${name.data} (${parsed.data.join(', ')}) can sign in with this token, shown once:\n${token}\n`);
    return 0;
  }
  io.err(USAGE);
  return 2;
}

function fail(io: Io, message: string): number {
  io.err(`${message}\n`);
  return 2;
}
