import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../../infra/local/credentials.js';
import { checkPortFree, checkSecrets, PreflightError } from '../../../infra/local/preflight.js';
import { generateWriteKey, isWellFormedWriteKey } from '../../../shared/domain/sources.js';

const listening = () =>
  new Promise<Server>((resolve) => {
    const server = createServer();
    server.listen(0, () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;

describe('npm start, before synth', () => {
  it('says in one line which port is busy and which variable moves it', async () => {
    const holder = await listening();
    try {
      await expect(checkPortFree(portOf(holder))).rejects.toThrow(
        new PreflightError(`port ${portOf(holder)} is in use — set PORT (or stop the other process)`),
      );
    } finally {
      holder.close();
    }
  });

  it('lets a free port through and leaves it free', async () => {
    const probe = await listening();
    const port = portOf(probe);
    await new Promise((r) => probe.close(r));
    await checkPortFree(port);
    await checkPortFree(port);
  });

  it('refuses a write key that ingest would refuse on every event, naming the rule', () => {
    expect(isWellFormedWriteKey('devkey123')).toBe(false);
    expect(() => checkSecrets({ FELTFIT_WRITE_KEY: 'devkey123' })).toThrow(
      /^FELTFIT_WRITE_KEY must be 16–128 characters of A–Z a–z 0–9 _ \. - \(it has 9\)/,
    );
    expect(() => checkSecrets({ FELTFIT_ADMIN_TOKEN: 'a token with spaces' })).toThrow(
      /FELTFIT_ADMIN_TOKEN .*with other characters/,
    );
  });

  it('accepts the keys and tokens it generates, and unset variables', () => {
    const writeKey = generateWriteKey();
    expect(isWellFormedWriteKey(writeKey)).toBe(true);
    expect(() =>
      checkSecrets({ FELTFIT_WRITE_KEY: writeKey, FELTFIT_ADMIN_TOKEN: randomToken('admin_') }),
    ).not.toThrow();
    expect(() => checkSecrets({ FELTFIT_WRITE_KEY: '' })).not.toThrow();
  });
});
