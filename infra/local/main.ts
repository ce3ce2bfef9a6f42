/**
 * `npm start`: synthesizes the CDK app and runs it on this machine (see runtime.ts).
 * Environment: PORT (3000), FELTFIT_WRITE_KEY, FELTFIT_ADMIN_TOKEN (both generated once and kept in
 * FELTFIT_DATA_DIR/credentials.json when unset), FELTFIT_DATA_DIR (.feltfit/), FELTFIT_TIME_SCALE (1),
 * FELTFIT_FAULTS (JSON, unset: no injected failures), FELTFIT_FUNCTION_INIT (on-first-invocation, or
 * at-start: every handler loaded before the runtime answers), FELTFIT_API_THROTTLE (rate:burst, unset: the
 * template's stage throttle), FELTFIT_LOG (`json`: the functions' JSON log lines on this terminal
 * instead of one line per invocation and the JSON in FELTFIT_DATA_DIR/logs/).
 */
import { CredentialsFileError, loadOrCreateCredentials } from './credentials.js';
import { JavaMissingError } from './dynamodb-local.js';
import { FaultsConfigError, parseFaults } from './faults.js';
import { parseThrottle, ThrottleConfigError } from './http-api.js';
import { checkPortFree, checkSecrets, PreflightError } from './preflight.js';

async function main(): Promise<void> {
  // The functions run on Lambda's Node.js 24; the SDK's notice about this machine's Node.js is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(process.env.PORT ?? 3000);
  const dataDir = process.env.FELTFIT_DATA_DIR ?? '.feltfit';
  // Before synth: a busy port or a key ingest would refuse should fail in a second, not after a minute.
  checkSecrets(process.env);
  await checkPortFree(port);
  const { writeKey, adminToken, file } = await loadOrCreateCredentials(dataDir, process.env);

  console.log('feltfit: synthesizing the CDK app and starting DynamoDB Local…');
  // How many times faster than real time journeys run: 3600 makes an hour's wait one second.
  const speed = Number(process.env.FELTFIT_TIME_SCALE ?? 1);
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new Error('FELTFIT_TIME_SCALE must be a positive number (1 = real time, 3600 = an hour a second)');
  // Injected failures for trying the delivery guarantees by hand (docs/operations.md#fault-injection).
  const faults = parseFaults(process.env.FELTFIT_FAULTS);
  // A lower stage throttle brings overload (429s) within a laptop's reach, as another deploy would.
  const apiThrottle = parseThrottle(process.env.FELTFIT_API_THROTTLE, 'FELTFIT_API_THROTTLE');
  // When handlers load: at their first invocation (a cold start, as in Lambda) unless at-start.
  const functionInit = process.env.FELTFIT_FUNCTION_INIT ?? 'on-first-invocation';
  if (functionInit !== 'on-first-invocation' && functionInit !== 'at-start')
    throw new Error('FELTFIT_FUNCTION_INIT must be on-first-invocation or at-start');
  // Loaded after the checks above, which then answer in well under a second.
  const { startRuntime } = await import('./runtime.js');
  const jsonLogs = process.env.FELTFIT_LOG === 'json';
  const runtime = await startRuntime({
    functionLogs: jsonLogs ? 'console' : 'files',
    ...(jsonLogs ? {} : { invocationLog: (line: string) => console.log(line) }),
    port,
    dataDir,
    writeKey,
    adminToken,
    timeScale: 1 / speed,
    functionInit,
    ...(faults ? { faults } : {}),
    ...(apiThrottle ? { apiThrottle } : {}),
  });
  if (faults) console.log(`feltfit: fault injection on: ${JSON.stringify(faults)}`);
  if (apiThrottle)
    console.log(
      `feltfit: API stage throttle ${apiThrottle.rateLimit} requests/s, burst ${apiThrottle.burstLimit} per route (FELTFIT_API_THROTTLE, not the template's)`,
    );
  const { loaded, resumed, unreadable } = runtime.resumed;
  if (loaded || unreadable.length)
    console.log(
      `feltfit: ${resumed} running journey execution(s) resumed, ${loaded - resumed} ended kept` +
        (unreadable.length ? `; ${unreadable.length} unreadable file(s) skipped (see above)` : ''),
    );

  console.log(`feltfit: write key (source "local"): ${writeKey}`);
  console.log(`feltfit: admin token: ${adminToken}`);
  // Ready to paste into the shell that runs curl, the SDKs or `npx feltfit`; the values stay the same
  // on the next start (they are kept in the data folder).
  console.log(`feltfit: kept in ${file}; for another shell:`);
  console.log(`  export FELTFIT_WRITE_KEY=${writeKey}`);
  console.log(`  export FELTFIT_ADMIN_TOKEN=${adminToken}`);
  console.log(
    `feltfit: ${runtime.routeKeys.length} routes from the template, DynamoDB Local at ${runtime.dynamodbEndpoint}`,
  );
  console.log(`feltfit: console at ${runtime.url}/?token=${encodeURIComponent(adminToken)}`);
  if (!jsonLogs)
    console.log(
      `feltfit: one line per function invocation below, errors in full; the functions' JSON logs go to a file per function in ${runtime.logDir} (FELTFIT_LOG=json prints them here)`,
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
  if (
    err instanceof JavaMissingError ||
    err instanceof CredentialsFileError ||
    err instanceof FaultsConfigError ||
    err instanceof ThrottleConfigError ||
    err instanceof PreflightError
  )
    console.error(`feltfit: ${err.message}`);
  else console.error('feltfit: failed to start:', err);
  process.exit(1);
});
