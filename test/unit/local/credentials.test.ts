import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialsFileError, loadOrCreateCredentials } from '../../../infra/local/credentials.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'feltfit-credentials-'));

describe('the local credentials', () => {
  it('are generated on the first start and kept in credentials.json, readable by the owner only', async () => {
    const dir = freshDir();
    const first = await loadOrCreateCredentials(dir, {});
    expect(first.writeKey).toMatch(/^ff_[\w-]{40,}$/);
    expect(first.adminToken).toMatch(/^admin_[\w-]{40,}$/);
    expect(first.file).toBe(join(dir, 'credentials.json'));
    expect(JSON.parse(readFileSync(first.file, 'utf8'))).toEqual({
      writeKey: first.writeKey,
      adminToken: first.adminToken,
    });
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
  });

  it('are the same on the next start', async () => {
    const dir = freshDir();
    const first = await loadOrCreateCredentials(dir, {});
    const second = await loadOrCreateCredentials(dir, {});
    expect([second.writeKey, second.adminToken]).toEqual([first.writeKey, first.adminToken]);
    expect(second.fromEnv).toEqual({ writeKey: false, adminToken: false });
  });

  it('come from FELTFIT_WRITE_KEY and FELTFIT_ADMIN_TOKEN when set, without replacing the stored ones', async () => {
    const dir = freshDir();
    const stored = await loadOrCreateCredentials(dir, {});
    const env = { FELTFIT_WRITE_KEY: 'ff_from_the_environment', FELTFIT_ADMIN_TOKEN: undefined };
    const overridden = await loadOrCreateCredentials(dir, env);
    expect(overridden.writeKey).toBe('ff_from_the_environment');
    expect(overridden.adminToken).toBe(stored.adminToken);
    expect(overridden.fromEnv).toEqual({ writeKey: true, adminToken: false });
    // Unset again, the stored key is back.
    expect((await loadOrCreateCredentials(dir, {})).writeKey).toBe(stored.writeKey);
  });

  it('tighten the mode of a file someone made readable by others', async () => {
    const dir = freshDir();
    const file = join(dir, 'credentials.json');
    writeFileSync(
      file,
      JSON.stringify({ writeKey: 'ff_written_by_hand_1', adminToken: 'admin_by_hand_12' }),
      {
        mode: 0o644,
      },
    );
    const loaded = await loadOrCreateCredentials(dir, {});
    expect(loaded.writeKey).toBe('ff_written_by_hand_1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuse a damaged file rather than silently changing the keys', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'credentials.json'), '{"writeKey":');
    await expect(loadOrCreateCredentials(dir, {})).rejects.toThrow(CredentialsFileError);
  });
});
