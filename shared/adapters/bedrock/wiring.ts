/**
 * Builds the content adapters from a function's environment, once per cold start:
 *
 *   CONTENT_TABLE              content table (required)
 *   CONTENT_CONFIG             ContentConfig as JSON (optional; defaults from shared/config/content.ts)
 *   BEDROCK_MODEL_ID           model for Converse; unset → the offline generator
 *   BEDROCK_GUARDRAIL_ID       guardrail id or ARN (optional; with BEDROCK_GUARDRAIL_VERSION)
 *   BEDROCK_GUARDRAIL_VERSION  guardrail version, e.g. "1" or "DRAFT"
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { ContentConfig, defaultContentConfig } from '../../config/content.js';
import { LocalGuardrail } from '../../domain/content/local-guardrail.js';
import { OfflineGenerator } from '../../domain/content/offline.js';
import type { Generator, OutputGuardrail } from '../../ports/content.js';
import { awsClient } from '../aws/clients.js';
import { documentClient } from '../dynamodb/client.js';
import { DynamoDbContentStore, DynamoDbTokenBudgetStore } from '../dynamodb/content-store.js';
import { withInjectedBedrockFaults } from './faulty-generator.js';
import { BedrockGenerator } from './generator.js';
import { BedrockOutputGuardrail } from './guardrail.js';

/** Raised at cold start when a content variable is missing or invalid; names the variable. */
export class ContentEnvError extends Error {
  override readonly name = 'ContentEnvError';
}

const Env = z
  .object({
    CONTENT_TABLE: z.string().min(1),
    CONTENT_CONFIG: z.string().min(1).optional(),
    BEDROCK_MODEL_ID: z.string().min(1).optional(),
    BEDROCK_GUARDRAIL_ID: z.string().min(1).optional(),
    BEDROCK_GUARDRAIL_VERSION: z.string().min(1).optional(),
  })
  .refine((e) => (e.BEDROCK_GUARDRAIL_ID === undefined) === (e.BEDROCK_GUARDRAIL_VERSION === undefined), {
    path: ['BEDROCK_GUARDRAIL_VERSION'],
    message: 'set both BEDROCK_GUARDRAIL_ID and BEDROCK_GUARDRAIL_VERSION, or neither',
  });

/** The parsed environment of the content functions. */
export interface ContentEnv {
  readonly tableName: string;
  readonly config: ContentConfig;
  readonly modelId?: string;
  readonly guardrail?: { readonly identifier: string; readonly version: string };
}

/** Parses the environment, failing fast with the offending variable's name. */
export function parseContentEnv(env: Record<string, string | undefined>): ContentEnv {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ContentEnvError(
      `invalid environment: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  }
  const e = parsed.data;
  let config = defaultContentConfig;
  if (e.CONTENT_CONFIG) {
    let raw: unknown;
    try {
      raw = JSON.parse(e.CONTENT_CONFIG);
    } catch (cause) {
      throw new ContentEnvError('invalid environment: CONTENT_CONFIG is not JSON', { cause });
    }
    const c = ContentConfig.safeParse(raw);
    if (!c.success) {
      const paths = c.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw new ContentEnvError(`invalid environment: CONTENT_CONFIG at ${paths}`);
    }
    config = c.data;
  }
  return {
    tableName: e.CONTENT_TABLE,
    config,
    ...(e.BEDROCK_MODEL_ID ? { modelId: e.BEDROCK_MODEL_ID } : {}),
    ...(e.BEDROCK_GUARDRAIL_ID && e.BEDROCK_GUARDRAIL_VERSION
      ? { guardrail: { identifier: e.BEDROCK_GUARDRAIL_ID, version: e.BEDROCK_GUARDRAIL_VERSION } }
      : {}),
  };
}

/** Generator, output guardrail, store and budget for a parsed environment. */
export function contentAdapters(env: ContentEnv, dynamo = documentClient()) {
  const g = env.config.generator;
  const retry = {
    maxAttempts: g.maxAttempts,
    baseDelayMs: g.baseDelayMs,
    maxDelayMs: g.maxDelayMs,
    timeoutMs: g.timeoutMs,
  };
  // The SDK's own retries are off: withRetry owns backoff so attempts are counted once.
  const bedrock = env.modelId || env.guardrail ? awsClient(BedrockRuntimeClient, 'bedrock') : undefined;
  const generator: Generator =
    env.modelId && bedrock
      ? new BedrockGenerator({
          client: bedrock,
          modelId: env.modelId,
          temperature: g.temperature,
          retry,
          allowedVariables: env.config.allowedVariables,
          ...(env.guardrail ? { guardrail: env.guardrail } : {}),
        })
      : // Locally (offline) the bedrock fault of FELTFIT_SDK_FAULTS applies to the offline generator.
        withInjectedBedrockFaults(
          new OfflineGenerator({
            playbook: env.config.playbook,
            allowedVariables: env.config.allowedVariables,
          }),
          retry,
        );
  const guardrail: OutputGuardrail =
    env.guardrail && bedrock
      ? new BedrockOutputGuardrail({ client: bedrock, guardrail: env.guardrail, retry })
      : new LocalGuardrail(env.config.playbook);
  return {
    config: env.config,
    generator,
    guardrail,
    store: new DynamoDbContentStore({ client: dynamo, tableName: env.tableName }),
    budget: new DynamoDbTokenBudgetStore({ client: dynamo, tableName: env.tableName }),
  };
}
