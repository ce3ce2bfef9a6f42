/**
 * DynamoDB Local (AWS's own emulator) for `npm start` and the test suite, without Docker.
 *
 * The jar ships inside the npm package `amplify-dynamodb-simulator`; installing that package pulls in
 * ~350 MB of dependencies, so we `npm pack` it once, keep only `package/emulator` in a cache folder,
 * and run it with the machine's Java.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';

/** Raised when Java is missing: DynamoDB Local needs a JRE (17 or later). */
export class JavaMissingError extends Error {
  constructor(cause?: unknown) {
    super(
      'DynamoDB Local needs Java 17 or later, and `java` was not found on PATH. ' +
        'Install a JRE (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`) and try again.',
      { cause },
    );
    this.name = 'JavaMissingError';
  }
}

/** Where the unpacked emulator is cached between runs. */
export function cacheDir(): string {
  return process.env.FELTFIT_CACHE_DIR ?? join(homedir(), '.cache', 'feltfit');
}

/** Makes sure the emulator is unpacked in the cache, fetching it from the npm registry on first use. */
export async function ensureEmulator(dir = cacheDir()): Promise<string> {
  const target = join(dir, 'dynamodb-local-2.9.30');
  if (existsSync(join(target, 'DynamoDBLocal.jar'))) return target;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'feltfit-ddb-'));
  try {
    const { stdout } = await run(
      'npm',
      ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', work],
      {
        cwd: work,
        maxBuffer: 1 << 20,
      },
    );
    const tarball = join(work, stdout.trim().split('\n').pop() ?? '');
    await run('tar', ['-xzf', tarball, '-C', work, 'package/emulator']);
    try {
      // Atomic publish: concurrent first runs race here; the loser's copy is discarded.
      await rename(join(work, 'package', 'emulator'), target);
    } catch (err) {
      if (!existsSync(join(target, 'DynamoDBLocal.jar'))) throw err;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return target;
}

/** Finds a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function checkJava(): Promise<void> {
  try {
    await run('java', ['-version']);
  } catch (err) {
    throw new JavaMissingError(err);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1');
  });
}

/** A running DynamoDB Local. `stop()` ends the Java process. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local on a free port and waits until it accepts connections: in memory, or keeping
 * its data in `dbPath` across restarts.
 */
export async function startDynamoDbLocal(
  options: { port?: number; dbPath?: string } = {},
): Promise<DynamoDbLocal> {
  await checkJava();
  const dir = await ensureEmulator();
  const port = options.port ?? (await freePort());
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true });
  const storage = options.dbPath ? ['-sharedDb', '-dbPath', options.dbPath] : ['-inMemory'];
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx1g',
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      ...storage,
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const deadline = Date.now() + 60_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited early (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not listen on port ${port} within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
