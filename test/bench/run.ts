/** `npm run bench`: prints every benchmark's figures. Benchmarks never fail on a time. */
import { benchIngest } from './ingest.js';

// Lambda runs Node.js 24; the AWS SDK's notice about this machine's Node.js is noise in the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const only = process.argv.slice(2);
const suites: Record<string, () => Promise<void>> = {
  ingest: benchIngest,
  profiles: async () => (await import('./profiles.js')).benchProfiles(),
  outbox: async () => (await import('./outbox.js')).benchOutbox(),
  models: async () => (await import('./models.js')).benchModels(),
  channels: async () => (await import('./channels.js')).benchChannels(),
  content: async () => (await import('./content.js')).benchContent(),
  journeys: async () => (await import('./journeys.js')).benchJourneys(),
  measurement: async () => (await import('./measurement.js')).benchMeasurement(),
  console: async () => (await import('./console.js')).benchConsole(),
  load: async () => (await import('./load.js')).benchLoad(),
  durable: async () => (await import('./durable.js')).benchDurable(),
  privacy: async () => (await import('./privacy.js')).benchPrivacy(),
  bundles: async () => (await import('./bundles.js')).benchBundles(),
};

for (const [name, run] of Object.entries(suites)) {
  if (only.length && !only.includes(name)) continue;
  await run();
}
