/**
 * Who may use the console. Locally: the users of `FELTFIT_DATA_DIR/console-users.json` (names and
 * roles; the file's token hashes are never read out) and the admin token's `local-admin`. In AWS,
 * users are Cognito users in role groups: listed from the pool (`listUsers`), with the commands an
 * admin uses to invite a user and add them to a group.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { ConsoleUsers } from '../../shared/api/overview.js';

const UsersFile = z.object({
  users: z.array(z.object({ name: z.string(), roles: z.array(z.string()) }).passthrough()),
});

export async function consoleUsers(
  env: {
    readonly FELTFIT_DATA_DIR?: string | undefined;
    readonly CONSOLE_USER_POOL_ID?: string | undefined;
  },
  /** Lists the pool's users by role group (AWS); absent locally. */
  listUsers?: (
    userPoolId: string,
  ) => Promise<NonNullable<Extract<ConsoleUsers, { kind: 'cognito' }>['users']>>,
): Promise<ConsoleUsers> {
  if (env.FELTFIT_DATA_DIR) {
    let users: { name: string; roles: string[] }[] = [];
    try {
      const parsed = UsersFile.safeParse(
        JSON.parse(await readFile(join(env.FELTFIT_DATA_DIR, 'console-users.json'), 'utf8')),
      );
      if (parsed.success) users = parsed.data.users.map(({ name, roles }) => ({ name, roles }));
    } catch {
      // No users file yet: only the admin token signs in.
    }
    return {
      kind: 'local',
      users: [{ name: 'local-admin', roles: ['admin'] }, ...users],
      note: 'Local console users stand in for Cognito users: addLocalConsoleUser(dataDir, name, roles) in infra/local/console.ts writes console-users.json and returns the new token.',
    };
  }
  const pool = env.CONSOLE_USER_POOL_ID ?? '<UserPoolId output>';
  const users = env.CONSOLE_USER_POOL_ID && listUsers ? await listUsers(env.CONSOLE_USER_POOL_ID) : undefined;
  return {
    kind: 'cognito',
    ...(env.CONSOLE_USER_POOL_ID ? { userPoolId: env.CONSOLE_USER_POOL_ID } : {}),
    ...(users ? { users } : {}),
    note: 'Console users are Cognito users; their groups (admin, marketer, reviewer, viewer) are their roles. A change takes effect at their next sign-in.',
    commands: [
      `aws cognito-idp admin-create-user --user-pool-id ${pool} --username person@example.com --user-attributes Name=email,Value=person@example.com Name=email_verified,Value=true`,
      `aws cognito-idp admin-add-user-to-group --user-pool-id ${pool} --username person@example.com --group-name marketer`,
      `aws cognito-idp list-users-in-group --user-pool-id ${pool} --group-name admin`,
    ],
  };
}
