import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../infra/cli/commands/users.js';
import { LocalConsoleAuth, listLocalConsoleUsers, sessionCookie } from '../../../infra/local/console.js';

function cli(dataDir: string, args: string[]) {
  let out = '';
  let err = '';
  return run(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { FELTFIT_DATA_DIR: dataDir },
  }).then((code) => ({ code, out, err }));
}

describe('local console users', () => {
  it('adds a user whose token, shown once, signs in with their roles and is stored only as a hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-users-'));
    const res = await cli(dir, ['add', 'vera', '--role', 'viewer', '--role', 'reviewer']);
    expect(res.code).toBe(0);
    const token = res.out.trim().split('\n').pop()!;
    const auth = new LocalConsoleAuth('admin_token_for_tests_000', dir);
    expect(auth.claimsOf(token)).toEqual({
      sub: 'local:vera',
      'cognito:username': 'vera',
      'cognito:groups': '[viewer reviewer]',
    });
    const file = readFileSync(join(dir, 'console-users.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(statSync(join(dir, 'console-users.json')).mode & 0o077).toBe(0);
  });

  it('signs the admin token in as local-admin and refuses anything else', () => {
    const auth = new LocalConsoleAuth('admin_token_for_tests_000', mkdtempSync(join(tmpdir(), 'ff-users-')));
    expect(auth.claimsOf('admin_token_for_tests_000')?.['cognito:groups']).toBe('[admin]');
    expect(auth.claimsOf('admin_token_for_tests_001')).toBeUndefined();
    expect(auth.claimsOf('')).toBeUndefined();
  });

  it('refuses an unknown role or a missing one, naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-users-'));
    const bad = await cli(dir, ['add', 'vera', '--role', 'owner']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--role');
    expect((await cli(dir, ['add', 'vera'])).code).toBe(2);
    expect(listLocalConsoleUsers(dir)).toEqual([]);
  });

  it('removes a user so that their token no longer signs in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-users-'));
    const token = (await cli(dir, ['add', 'mark', '--role', 'marketer'])).out.trim().split('\n').pop()!;
    expect((await cli(dir, ['remove', 'mark'])).code).toBe(0);
    expect(new LocalConsoleAuth('admin_token_for_tests_000', dir).claimsOf(token)).toBeUndefined();
    expect((await cli(dir, ['remove', 'mark'])).code).toBe(2);
  });

  it('reads the session token from a bearer header before the cookie', () => {
    expect(LocalConsoleAuth.tokenOf({ authorization: 'Bearer abc', cookie: 'ff_session=xyz' })).toBe('abc');
    expect(LocalConsoleAuth.tokenOf({ cookie: 'a=1; ff_session=x%2Fy' })).toBe('x/y');
    expect(LocalConsoleAuth.tokenOf({})).toBeUndefined();
    expect(sessionCookie('t')).toContain('HttpOnly; SameSite=Strict');
    expect(sessionCookie(undefined)).toContain('Max-Age=0');
  });
});
