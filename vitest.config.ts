import { defineConfig } from 'vitest/config';

/** e2e files that load the machine on purpose: they run alone, after the others (see the e2e projects). */
const E2E_SERIAL = [
  'test/e2e/ingest-batch.test.ts',
  'test/e2e/ingest-overload.test.ts',
  'test/e2e/fault-suite.test.ts',
  'test/e2e/outbox-faults.test.ts',
  'test/e2e/measurement-simulation.test.ts',
  'test/e2e/npm-start.test.ts',
];

// Projects run in this order by `npm test` (test/run-all.mjs); e2e and e2e-serial run in one vitest call.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-dynamodb.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // One synthesis of the default app per run, shared by every file as template JSON.
          globalSetup: ['test/infra/global-synth.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      // e2e in two groups sharing one synthesis and one DynamoDB Local (test/support/global-synth.ts):
      // files that mostly wait on scaled journey time run two at a time, each with its own runtime and
      // table prefix; the ones that load the machine on purpose (big batches, overload, faults, the
      // 2,000-person simulation, `npm start`'s own synth) run afterwards, alone.
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          exclude: E2E_SERIAL,
          globalSetup: ['test/support/global-synth.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e-serial',
          include: E2E_SERIAL,
          globalSetup: ['test/support/global-synth.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
