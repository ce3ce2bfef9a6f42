/**
 * `npm start`: synthesizes the CDK app and runs it on this machine (see runtime.ts).
 * Environment: PORT (3000), FELTFIT_WRITE_KEY, FELTFIT_ADMIN_TOKEN (both generated when unset),
 * FELTFIT_DATA_DIR (.feltfit/).
 */
import { JavaMissingError } from './dynamodb-local.js';
import { randomToken, startRuntime } from './runtime.js';

async function main(): Promise<void> {
  // The functions run on Lambda's Node.js 24; the SDK's notice about this machine's Node.js is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(process.env.PORT ?? 3000);
  const dataDir = process.env.FELTFIT_DATA_DIR ?? '.feltfit';
  const writeKey = process.env.FELTFIT_WRITE_KEY ?? randomToken('ff_');
  const adminToken = process.env.FELTFIT_ADMIN_TOKEN ?? randomToken('admin_');

  console.log('feltfit: synthesizing the CDK app and starting DynamoDB Local…');
  // How many times faster than real time journeys run: 3600 makes an hour's wait one second.
  const speed = Number(process.env.FELTFIT_TIME_SCALE ?? 1);
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new Error('FELTFIT_TIME_SCALE must be a positive number (1 = real time, 3600 = an hour a second)');
  const runtime = await startRuntime({ port, dataDir, writeKey, adminToken, timeScale: 1 / speed });

  if (!process.env.FELTFIT_WRITE_KEY) console.log(`feltfit: write key (source "local"): ${writeKey}`);
  if (!process.env.FELTFIT_ADMIN_TOKEN) console.log(`feltfit: admin token: ${adminToken}`);
  console.log(
    `feltfit: ${runtime.routeKeys.length} routes from the template, DynamoDB Local at ${runtime.dynamodbEndpoint}`,
  );
  console.log(`feltfit: ready at ${runtime.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`feltfit: ${signal}, stopping…`);
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof JavaMissingError) console.error(`feltfit: ${err.message}`);
  else console.error('feltfit: failed to start:', err);
  process.exit(1);
});
