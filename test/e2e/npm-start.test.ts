import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('synthesizes, serves until ready, answers /health, and stops everything on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'feltfit-start-'));
    child = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', FELTFIT_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    let out = '';
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
    });
    expect(out).toMatch(/write key \(source "local"\): ff_/);
    expect(out).toMatch(/admin token: admin_/);
    const ddbPort = Number(/DynamoDB Local at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await portOpen(ddbPort)).toBe(true);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The Java process went down with it.
    await new Promise((r) => setTimeout(r, 500));
    expect(await portOpen(ddbPort)).toBe(false);
  });
});
