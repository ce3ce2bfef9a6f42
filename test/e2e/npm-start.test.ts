import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let child: ChildProcess | undefined;

afterAll(() => {
  try {
    if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
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
      // Its own process group, so the test can signal it the way a terminal's Ctrl-C or a service manager does.
      detached: true,
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

    // A function's invocation is one readable line on the terminal; its JSON lines go to its log file.
    const writeKey = /write key \(source "local"\): (\S+)/.exec(out)?.[1];
    const tracked = await fetch(`${url}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'u-start', event: 'Signed Up', messageId: 'm-start-1' }),
    });
    expect(tracked.status).toBe(200);
    const summary = / POST \/v1\/track → 200 ingest \d+ ms/;
    for (let i = 0; i < 50 && !summary.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(summary);
    expect(out).not.toContain('"message":"events ingested"');
    const logs = join(dataDir, 'logs');
    const ingested = readdirSync(logs)
      .flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n'))
      .filter((l) => l.includes('"message":"events ingested"'))
      .map((l) => JSON.parse(l));
    expect(ingested).toEqual([
      expect.objectContaining({
        level: 'INFO',
        service: 'feltfit-ingest',
        route: 'track',
        function_request_id: expect.any(String),
      }),
    ]);
    expect(JSON.stringify(ingested)).not.toContain('u-start');

    // SIGTERM to the process group (npm, its shell and the runtime), as a terminal or service manager sends it.
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    process.kill(-child.pid!, 'SIGTERM');
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    // The runtime shut down its HTTP server and the Java process with it.
    const port = Number(new URL(url).port);
    const deadline = Date.now() + 15_000;
    while ((await portOpen(ddbPort)) || (await portOpen(port))) {
      if (Date.now() > deadline) throw new Error('the runtime left a port open after SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out).toContain('stopping');
  });
});
