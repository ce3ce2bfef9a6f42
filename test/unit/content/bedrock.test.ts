import {
  ApplyGuardrailCommand,
  BedrockRuntimeClient,
  ConverseCommand,
  ModelNotReadyException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { BedrockGenerator, VARIANT_TOOL } from '../../../shared/adapters/bedrock/generator.js';
import { BedrockOutputGuardrail } from '../../../shared/adapters/bedrock/guardrail.js';
import { defaultPlaybook } from '../../../shared/config/content.js';
import { GenerationUnavailableError } from '../../../shared/domain/content/errors.js';
import { generateContent } from '../../../shared/domain/content/generate.js';
import { brief, config, fixedNow, MemoryBudget, MemoryContentStore, newId } from './support.js';

const bedrock = mockClient(BedrockRuntimeClient);
const sleeps: number[] = [];
const retry = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  timeoutMs: 5000,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
};
const guardrail = { identifier: 'gr-123', version: '2' };

function generator(withGuardrail = true) {
  return new BedrockGenerator({
    client: new BedrockRuntimeClient({ region: 'us-east-1' }),
    modelId: 'amazon.nova-lite-v1:0',
    temperature: 0.5,
    retry,
    ...(withGuardrail ? { guardrail } : {}),
  });
}

const toolAnswer = (input: Record<string, unknown>) => ({
  stopReason: 'tool_use' as const,
  output: {
    message: {
      role: 'assistant' as const,
      content: [{ toolUse: { toolUseId: 't1', name: VARIANT_TOOL, input: input as never } }],
    },
  },
  usage: { inputTokens: 900, outputTokens: 120, totalTokens: 1020 },
  metrics: { latencyMs: 10 },
});

const push = { title: 'Your order is on its way', body: 'Your merino left our studio today.' };
const request = { brief: brief({ channel: 'push' }), playbook: defaultPlaybook, index: 0, maxTokens: 700 };

beforeEach(() => {
  bedrock.reset();
  sleeps.length = 0;
});

describe('BedrockGenerator', () => {
  it('calls Converse with the system prompt, maxTokens, a forced tool and the guardrail', async () => {
    bedrock.on(ConverseCommand).resolves(toolAnswer(push));
    bedrock
      .on(ApplyGuardrailCommand)
      .resolves({ action: 'NONE', outputs: [], assessments: [], usage: undefined });
    const result = await generator().generate(request);

    expect(result).toMatchObject({
      kind: 'generated',
      content: { type: 'push', ...push },
      guardrail: { status: 'passed', source: 'bedrock' },
      trace: { usage: { inputTokens: 900, outputTokens: 120 } },
    });
    const input = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      modelId: 'amazon.nova-lite-v1:0',
      inferenceConfig: { maxTokens: 700, temperature: 0.5 },
      guardrailConfig: { guardrailIdentifier: 'gr-123', guardrailVersion: '2', trace: 'enabled' },
      toolConfig: { toolChoice: { tool: { name: VARIANT_TOOL } } },
      messages: [{ role: 'user', content: [{ text: expect.stringContaining('push') }] }],
    });
    expect(input.system?.[0]?.text).toContain('Loop & Purl');
    expect(input.system?.[0]?.text).toContain('YarnBarn');
    const schema = input.toolConfig?.tools?.[0]?.toolSpec?.inputSchema?.json as {
      properties: object;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(['type', 'title', 'body']);
    expect(schema.required).toEqual(expect.arrayContaining(['title', 'body']));
  });

  it('passes the validated copy through ApplyGuardrail with source OUTPUT', async () => {
    bedrock.on(ConverseCommand).resolves(toolAnswer(push));
    bedrock
      .on(ApplyGuardrailCommand)
      .resolves({ action: 'NONE', outputs: [], assessments: [], usage: undefined });
    await generator().generate(request);
    expect(bedrock.commandCalls(ApplyGuardrailCommand)[0]!.args[0].input).toEqual({
      guardrailIdentifier: 'gr-123',
      guardrailVersion: '2',
      source: 'OUTPUT',
      content: [{ text: { text: push.title } }, { text: { text: push.body } }],
    });
  });

  it('omits guardrailConfig when no guardrail is configured', async () => {
    bedrock.on(ConverseCommand).resolves(toolAnswer(push));
    const result = await generator(false).generate(request);
    expect(bedrock.commandCalls(ConverseCommand)[0]!.args[0].input.guardrailConfig).toBeUndefined();
    expect(result).toMatchObject({ kind: 'generated', guardrail: { status: 'not_configured' } });
  });

  it('reports an answer that does not match the channel schema as invalid output', async () => {
    bedrock.on(ConverseCommand).resolves(toolAnswer({ title: 'Only a title' }));
    const result = await generator(false).generate(request);
    expect(result).toMatchObject({ kind: 'invalid_output', detail: expect.stringContaining('body') });
  });

  it('retries throttling and an unready model with growing jittered delays, then succeeds', async () => {
    bedrock
      .on(ConverseCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow down', $metadata: {} }))
      .rejectsOnce(new ModelNotReadyException({ message: 'loading', $metadata: {} }))
      .resolves(toolAnswer(push));
    const result = await generator(false).generate(request);
    expect(result.kind).toBe('generated');
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up with GenerationUnavailableError after the last attempt', async () => {
    bedrock.on(ConverseCommand).rejects(new ServiceUnavailableException({ message: 'busy', $metadata: {} }));
    const error = await generator(false)
      .generate(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GenerationUnavailableError);
    expect(error).toMatchObject({ name: 'GenerationUnavailableError' });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(3);
  });

  it('does not retry a validation error', async () => {
    bedrock.on(ConverseCommand).rejects(new ValidationException({ message: 'bad model', $metadata: {} }));
    await expect(generator(false).generate(request)).rejects.toBeInstanceOf(ValidationException);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
  });

  it('rejects the variant with the reason when the guardrail intervenes in Converse', async () => {
    bedrock.on(ConverseCommand).resolves({
      stopReason: 'guardrail_intervened',
      output: { message: { role: 'assistant', content: [{ text: 'The generated copy was blocked.' }] } },
      usage: { inputTokens: 800, outputTokens: 10, totalTokens: 810 },
      metrics: { latencyMs: 5 },
      trace: {
        guardrail: {
          outputAssessments: {
            '0': [{ topicPolicy: { topics: [{ name: 'Medical claims', type: 'DENY', action: 'BLOCKED' }] } }],
          },
        },
      },
    });
    const store = new MemoryContentStore();
    const result = await generateContent(
      { config: config(), generator: generator(), budget: new MemoryBudget(), store, now: fixedNow, newId },
      brief({ channel: 'push', n: 1 }),
    );
    expect(result.variants[0]).toMatchObject({
      status: 'rejected',
      rejectionReason: 'guardrail_intervened',
      guardrail: { status: 'intervened', reason: 'topic:Medical claims' },
    });
  });

  it('rejects the variant when ApplyGuardrail intervenes on the tool output', async () => {
    bedrock.on(ConverseCommand).resolves(toolAnswer(push));
    bedrock.on(ApplyGuardrailCommand).resolves({
      action: 'GUARDRAIL_INTERVENED',
      outputs: [{ text: 'blocked' }],
      assessments: [
        { wordPolicy: { customWords: [{ match: 'free', action: 'BLOCKED' }], managedWordLists: [] } },
      ],
      usage: undefined,
    });
    const result = await generator().generate(request);
    expect(result).toMatchObject({ kind: 'guardrail_intervened', reason: 'word:free' });
  });
});

describe('BedrockOutputGuardrail', () => {
  it('reports PII findings by type only', async () => {
    bedrock.on(ApplyGuardrailCommand).resolves({
      action: 'GUARDRAIL_INTERVENED',
      outputs: [],
      assessments: [
        {
          sensitiveInformationPolicy: {
            piiEntities: [{ type: 'EMAIL', match: 'a@b.example', action: 'ANONYMIZED' }],
            regexes: [],
          },
        },
      ],
      usage: undefined,
    });
    const g = new BedrockOutputGuardrail({
      client: new BedrockRuntimeClient({ region: 'us-east-1' }),
      guardrail,
      retry,
    });
    const result = await g.check({ type: 'sms', text: 'Write to a@b.example' });
    expect(result).toEqual({ status: 'intervened', source: 'bedrock', reason: 'pii:EMAIL' });
  });
});
