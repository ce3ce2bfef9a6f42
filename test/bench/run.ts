/** `npm run bench`: prints every benchmark's figures. Benchmarks never fail on a time. */
import { benchIngest } from './ingest.js';

const only = process.argv.slice(2);
const suites: Record<string, () => Promise<void>> = {
  ingest: benchIngest,
  models: async () => (await import('./models.js')).benchModels(),
};

for (const [name, run] of Object.entries(suites)) {
  if (only.length && !only.includes(name)) continue;
  await run();
}
