import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../../../infra/cli/commands/models.js';
import { documentClient } from '../../../shared/adapters/dynamodb/client.js';
import { DynamoDbModelRegistry } from '../../../shared/adapters/dynamodb/model-registry.js';
import { defaultModelsConfig } from '../../../shared/config/models.js';
import { evaluateFairness } from '../../../shared/domain/models/fairness.js';
import { registerVersion, type TrainedVersion } from '../../../shared/domain/models/registry.js';
import { createTestTables } from '../../support/dynamodb.js';

let registry: DynamoDbModelRegistry;
let dataDir: string;

beforeAll(async () => {
  const t = await createTestTables();
  registry = new DynamoDbModelRegistry({ client: documentClient(t.client), tableName: t.tables.models });
  dataDir = await mkdtemp(join(tmpdir(), 'feltfit-models-cli-'));
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({ dynamodbEndpoint: inject('dynamodbEndpoint'), env: { MODELS_TABLE: t.tables.models } }),
  );
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const fairness = evaluateFairness(
  [
    ...Array.from({ length: 60 }, (_, i) => ({ score: i < 30 ? 0.9 : 0.1, traits: { region: 'north' } })),
    ...Array.from({ length: 60 }, (_, i) => ({ score: i < 27 ? 0.9 : 0.1, traits: { region: 'south' } })),
  ],
  { traits: ['region'], threshold: 0.5, minCohortSize: 50, minDisparateImpact: 0.8 },
);

function propensity(version: string, auc: number): TrainedVersion {
  return {
    card: {
      model: 'propensity',
      version,
      objective: 'Probability that a profile purchases within 30 days.',
      inputs: ['log_recency_days', 'log_views_7d'],
      trainingWindow: {
        from: '2024-06-01T00:00:00.000Z',
        to: '2024-07-01T00:00:00.000Z',
        holdoutFrom: '2024-07-01T00:00:00.000Z',
        holdoutTo: '2024-07-31T00:00:00.000Z',
      },
      owner: 'growth-team',
      metrics: { auc, calibrationError: 0.02, recallAtTopDecile: Number.NaN },
      fairness,
      knownRisks: ['Trained on synthetic data.'],
      createdAt: '2024-07-31T00:00:00.000Z',
    },
    parameters: {
      kind: 'propensity',
      horizonDays: 30,
      logistic: {
        features: ['log_recency_days', 'log_views_7d'],
        means: [1, 2],
        scales: [1, 1],
        weights: [-0.5, 0.8],
        intercept: -1,
        converged: true,
      },
    },
  };
}

const now = () => new Date('2024-07-31T00:00:00Z');
const gates = defaultModelsConfig.propensity.gates;
const register = (version: string, auc: number) =>
  registerVersion({ registry, now }, propensity(version, auc), gates);

describe('DynamoDbModelRegistry', () => {
  it('stores a version with its card and parameters and reads it back', async () => {
    await register('20240731T000000Z-0001', 0.5);
    const v = await registry.get('propensity', '20240731T000000Z-0001');
    expect(v?.status).toBe('candidate');
    expect(v?.parameters).toEqual(propensity('x', 0.5).parameters);
    expect(v?.card.fairness?.traits[0]?.disparateImpact).toBeCloseTo(0.9, 12);
    // Non-finite metrics do not survive storage (JSON has no NaN); the rest do.
    expect(v?.card.metrics).toEqual({ auc: 0.5, calibrationError: 0.02 });
    await expect(register('20240731T000000Z-0001', 0.7)).rejects.toMatchObject({ code: 'version_exists' });
  });

  it('keeps a version that fails a gate as a candidate, even when promotion is forced', async () => {
    await expect(
      registry.promote('propensity', '20240731T000000Z-0001', '2024-08-01T00:00:00Z'),
    ).rejects.toMatchObject({
      code: 'not_promotable',
    });
    expect((await registry.get('propensity', '20240731T000000Z-0001'))?.status).toBe('candidate');
    expect(await registry.getPromoted('propensity')).toBeUndefined();
  });

  it('switches the promoted version atomically, retiring the previous one', async () => {
    expect(await register('20240801T000000Z-0002', 0.7)).toEqual({
      status: 'promoted',
      version: '20240801T000000Z-0002',
    });
    expect(await register('20240802T000000Z-0003', 0.72)).toEqual({
      status: 'promoted',
      version: '20240802T000000Z-0003',
      previous: '20240801T000000Z-0002',
    });
    expect((await registry.getPromoted('propensity'))?.card.version).toBe('20240802T000000Z-0003');
    const list = await registry.list('propensity');
    expect(list.map((v) => [v.version, v.status])).toEqual([
      ['20240802T000000Z-0003', 'promoted'],
      ['20240801T000000Z-0002', 'retired'],
      ['20240731T000000Z-0001', 'candidate'],
    ]);
  });

  it('keeps exactly one promoted version when two promotions race', async () => {
    const a = propensity('20240803T000000Z-000a', 0.7);
    const b = propensity('20240803T000000Z-000b', 0.7);
    for (const v of [a, b]) {
      await registry.register({
        card: { ...v.card, gates: [{ metric: 'auc', min: 0.65, value: 0.7, passed: true }] },
        status: 'candidate',
        statusChangedAt: '2024-08-03T00:00:00Z',
        parameters: v.parameters,
      });
    }
    const results = await Promise.allSettled([
      registry.promote('propensity', a.card.version, '2024-08-03T00:00:00Z'),
      registry.promote('propensity', b.card.version, '2024-08-03T00:00:00Z'),
    ]);
    // Interleaved, one transaction loses its condition; serialised, the second retires the first.
    // Either way the invariant holds: one promoted version, and the pointer names it.
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    const promoted = (await registry.list('propensity')).filter((v) => v.status === 'promoted');
    expect(promoted).toHaveLength(1);
    expect((await registry.getPromoted('propensity'))?.card.version).toBe(promoted[0]!.version);
  });

  it('retires the promoted version on request, leaving the model without one', async () => {
    const current = (await registry.getPromoted('propensity'))!.card.version;
    await registry.setStatus('propensity', current, 'retired', '2024-08-04T00:00:00Z');
    expect(await registry.getPromoted('propensity')).toBeUndefined();
    await registry.setStatus('propensity', '20240731T000000Z-0001', 'rejected', '2024-08-04T00:00:00Z');
    expect((await registry.get('propensity', '20240731T000000Z-0001'))?.status).toBe('rejected');
  });
});

async function cli(args: string[], env: Record<string, string | undefined> = { FELTFIT_DATA_DIR: dataDir }) {
  let out = '';
  let err = '';
  const code = await run(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

describe('feltfit models list / show', () => {
  beforeAll(async () => {
    await register('20240810T000000Z-0010', 0.75);
  });

  it('lists every version, newest first, with status and gate result', async () => {
    const { code, out, err } = await cli(['list']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^MODEL\s+VERSION\s+STATUS\s+GATES\s+METRICS$/);
    expect(lines[1]).toMatch(/^propensity\s+20240810T000000Z-0010\s+promoted\s+pass\s+auc=0\.7500/);
    expect(out).toMatch(/20240731T000000Z-0001\s+rejected\s+FAIL/);
    const json = JSON.parse((await cli(['list', 'propensity', '--json'])).out);
    expect(json.versions).toHaveLength(6);
    expect((await cli(['list', 'clv', '--json'])).out.trim()).toBe('{"versions":[]}');
  });

  it('shows the promoted version’s card, or the one asked for', async () => {
    const { code, out } = await cli(['show', 'propensity']);
    expect(code).toBe(0);
    expect(out).toMatch(/^propensity 20240810T000000Z-0010 \(promoted/);
    expect(out).toMatch(/owner\s+growth-team/);
    expect(out).toMatch(/pass {2}auc = 0\.7500 \(min 0\.65\)/);
    expect(out).toMatch(/region: disparate impact 0\.900/);
    expect(out).toMatch(/Trained on synthetic data\./);
    const json = JSON.parse(
      (await cli(['show', 'propensity', '--version', '20240731T000000Z-0001', '--json'])).out,
    );
    expect(json).toMatchObject({
      version: '20240731T000000Z-0001',
      status: 'rejected',
      parameters: { kind: 'propensity' },
    });
    expect(json.gates[0]).toEqual({ metric: 'auc', min: 0.65, value: 0.5, passed: false });
  });

  it('exits 1 for an unknown version, 2 for a usage mistake, and names how to find the table', async () => {
    expect(await cli(['show', 'propensity', '--version', 'nope'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/no version nope/),
    });
    expect(await cli(['show', 'churn'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/model must be one of clv, propensity/),
    });
    expect(await cli(['show'])).toMatchObject({ code: 2 });
    expect(await cli(['list', '--bogus'])).toMatchObject({
      code: 2,
      err: 'feltfit models list: unknown option --bogus (see feltfit models list --help)\n',
    });
    const missing = await cli(['list'], { FELTFIT_DATA_DIR: join(dataDir, 'nowhere') });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/pass --table NAME, set FELTFIT_MODELS_TABLE/);
  });
});
