import {
  CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { consoleUsers } from '../../../functions/admin/console-users.js';
import { listConsoleUsers } from '../../../shared/adapters/cognito/console-directory.js';

const cognito = mockClient(CognitoIdentityProviderClient);
beforeEach(() => cognito.reset());

const user = (username: string, email: string) => ({
  Username: username,
  Attributes: [{ Name: 'email', Value: email }],
  UserStatus: 'CONFIRMED' as const,
  Enabled: true,
});

describe('console users in AWS', () => {
  it("lists the pool's users with the role groups they are in, following pages", async () => {
    cognito
      .on(ListUsersInGroupCommand, { GroupName: 'admin' })
      .resolves({ Users: [user('u-1', 'ana@example.com')] })
      .on(ListUsersInGroupCommand, { GroupName: 'marketer', NextToken: undefined })
      .resolves({ Users: [user('u-2', 'mo@example.com')], NextToken: 'p2' })
      .on(ListUsersInGroupCommand, { GroupName: 'marketer', NextToken: 'p2' })
      .resolves({ Users: [user('u-1', 'ana@example.com')] })
      .on(ListUsersInGroupCommand, { GroupName: 'reviewer' })
      .resolves({ Users: [] })
      .on(ListUsersInGroupCommand, { GroupName: 'viewer' })
      .resolves({});
    const users = await listConsoleUsers(
      new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
      'eu-west-1_pool',
    );
    expect(users).toEqual([
      { name: 'ana@example.com', roles: ['admin', 'marketer'], status: 'CONFIRMED', enabled: true },
      { name: 'mo@example.com', roles: ['marketer'], status: 'CONFIRMED', enabled: true },
    ]);
    const calls = cognito.commandCalls(ListUsersInGroupCommand).map((c) => c.args[0].input);
    expect(calls.every((i) => i.UserPoolId === 'eu-west-1_pool' && i.Limit === 60)).toBe(true);
    expect(calls.map((i) => i.GroupName)).toEqual(['admin', 'marketer', 'marketer', 'reviewer', 'viewer']);
  });

  it('answers the users beside the invitation commands for the stack’s pool', async () => {
    const out = await consoleUsers({ CONSOLE_USER_POOL_ID: 'eu-west-1_pool' }, async () => [
      { name: 'ana@example.com', roles: ['admin'] },
    ]);
    expect(out).toMatchObject({
      kind: 'cognito',
      userPoolId: 'eu-west-1_pool',
      users: [{ name: 'ana@example.com' }],
    });
    if (out.kind === 'cognito') expect(out.commands[0]).toContain('--user-pool-id eu-west-1_pool');
  });
});
