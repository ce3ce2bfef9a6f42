/**
 * AWS list prices used by the benchmarks' cost estimates: us-east-1, on-demand, checked 2026-11.
 * Update them here when AWS changes its prices; nothing else hard-codes a price.
 */
export const PRICES_USD = {
  region: 'us-east-1',
  /** API Gateway HTTP API, per request (first 300 million a month). */
  httpApiRequest: 1.0 / 1e6,
  /** Lambda, per invocation. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda arm64, per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  /** DynamoDB on-demand, per write request unit and per read request unit. */
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  /** EventBridge custom events, per event put. */
  eventBridgeEvent: 1.0 / 1e6,
  /** Step Functions Standard, per state transition. */
  stepFunctionsTransition: 0.025 / 1000,
} as const;
