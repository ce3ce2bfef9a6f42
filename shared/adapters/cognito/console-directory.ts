/**
 * The console's users in AWS: the Cognito user pool's members of each role group
 * (ListUsersInGroup, paged). A user's roles are the groups they are in; the name shown is their
 * email (sign-in alias) or, without one, their username.
 */
import {
  type CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { Role } from '../../api/roles.js';

export interface ConsoleUser {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly status?: string;
  readonly enabled?: boolean;
}

/** Lists the pool's users by role group, at most `maxPerGroup` per group. */
export async function listConsoleUsers(
  client: Pick<CognitoIdentityProviderClient, 'send'>,
  userPoolId: string,
  maxPerGroup = 500,
): Promise<ConsoleUser[]> {
  const byName = new Map<string, { user: UserType; roles: Role[] }>();
  for (const role of Role.options) {
    let token: string | undefined;
    let seen = 0;
    do {
      const page = await client.send(
        new ListUsersInGroupCommand({
          UserPoolId: userPoolId,
          GroupName: role,
          Limit: 60,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const user of page.Users ?? []) {
        const key = user.Username ?? '';
        const entry = byName.get(key) ?? { user, roles: [] };
        entry.roles.push(role);
        byName.set(key, entry);
        seen++;
      }
      token = page.NextToken;
    } while (token && seen < maxPerGroup);
  }
  return [...byName.values()]
    .map(({ user, roles }) => ({
      name: user.Attributes?.find((a) => a.Name === 'email')?.Value ?? user.Username ?? 'unknown',
      roles,
      ...(user.UserStatus ? { status: user.UserStatus } : {}),
      ...(user.Enabled !== undefined ? { enabled: user.Enabled } : {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
