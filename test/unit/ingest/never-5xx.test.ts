import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../../shared/domain/errors.js';
import { ingest } from '../../../shared/domain/ingest/ingest.js';
import { basicAuth, memoryDeps, trackMessage } from './support.js';

const auth = { authorization: basicAuth() };

/** Resolves to 'ok' or the ClientError's code; any other error fails the property. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof ClientError) return err.code;
    throw err;
  }
}

describe('client mistakes are never server errors', () => {
  it('answers any body text with success or a client error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json()),
        fc.constantFrom('track', 'batch', 'identify' as const),
        async (body, route) => {
          const { deps } = memoryDeps();
          await outcome(ingest(deps, route, { body, headers: auth }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('judges each message of any batch alone: every message is stored or quarantined', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.object(), fc.constant(trackMessage())), { maxLength: 20 }),
        async (batch) => {
          const { deps, quarantine } = memoryDeps();
          const result = await ingest(deps, 'batch', {
            body: JSON.stringify({ batch }),
            headers: auth,
          }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
          if (result instanceof ClientError) {
            expect(result.code).toBe('no_valid_messages');
            expect(quarantine.entries).toHaveLength(batch.length);
          } else if (result instanceof Error) {
            throw result;
          } else {
            expect(result.accepted + result.rejected.length).toBe(batch.length);
            expect(quarantine.entries).toHaveLength(result.rejected.length);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
