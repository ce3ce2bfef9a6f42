// One local Lambda function: a worker thread with the function's own environment, running the
// bundled handler from cdk.out. Messages: {id, event, context} in; {id, result} or {id, error} out.

import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { file, exportName, functionName, timeoutMs, memoryMb } = workerData;
const mod = await import(pathToFileURL(file).href);
const handler = mod[exportName] ?? mod.default?.[exportName];
if (typeof handler !== 'function') {
  throw new Error(`${file} does not export a function named ${exportName}`);
}

parentPort.on('message', async ({ id, event, requestId }) => {
  const deadline = Date.now() + timeoutMs;
  // The parent starts the invocation's timeout now, when the handler starts.
  parentPort.postMessage({ id, started: true });
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ id, result });
  } catch (err) {
    parentPort.postMessage({
      id,
      error: {
        errorType: err?.name ?? 'Error',
        errorMessage: String(err?.message ?? err),
        stack: err?.stack,
      },
    });
  }
});
parentPort.postMessage({ ready: true });
