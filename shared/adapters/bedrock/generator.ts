/**
 * Generator on Amazon Bedrock's Converse API. The model must answer by calling one tool whose input
 * schema is the channel's content schema (`toolChoice` forces it); the answer is validated with zod.
 * Every call sets `inferenceConfig.maxTokens` and, when a guardrail is configured, `guardrailConfig`.
 * Because guardrails in Converse assess text blocks, the validated copy is also passed through
 * ApplyGuardrail (source OUTPUT) so tool-use output cannot bypass it.
 */
import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
  type GuardrailAssessment,
} from '@aws-sdk/client-bedrock-runtime';
import { channelJsonSchema, channelSchema, systemPrompt, userPrompt } from '../../domain/content/prompt.js';
import type { GuardrailResult } from '../../domain/content/schemas.js';
import type {
  GenerationRequest,
  GenerationResult,
  GenerationTrace,
  Generator,
  OutputGuardrail,
} from '../../ports/content.js';
import { BedrockOutputGuardrail, type GuardrailRef, summariseAssessments } from './guardrail.js';
import { type RetryPolicy, withRetry } from './retry.js';

/** Name of the tool the model must call with the finished copy. */
export const VARIANT_TOOL = 'submit_variant';

/** Settings of the Bedrock generator. */
export interface BedrockGeneratorOptions {
  readonly client: BedrockRuntimeClient;
  readonly modelId: string;
  readonly temperature: number;
  readonly guardrail?: GuardrailRef;
  readonly retry: RetryPolicy;
  readonly allowedVariables?: readonly string[];
}

function guardrailAssessments(out: ConverseCommandOutput): GuardrailAssessment[] {
  const trace = out.trace?.guardrail;
  if (!trace) return [];
  const input = Object.values(trace.inputAssessment ?? {});
  const output = Object.values(trace.outputAssessments ?? {}).flat();
  return [...input, ...output];
}

/** Generator port over Bedrock Converse (+ ApplyGuardrail). */
export class BedrockGenerator implements Generator {
  readonly kind = 'bedrock' as const;
  readonly model: string;
  private readonly outputGuardrail?: OutputGuardrail;

  constructor(private readonly options: BedrockGeneratorOptions) {
    this.model = options.modelId;
    if (options.guardrail) {
      this.outputGuardrail = new BedrockOutputGuardrail({
        client: options.client,
        guardrail: options.guardrail,
        retry: options.retry,
      });
    }
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    const { client, modelId, guardrail, retry, temperature } = this.options;
    const prompt = {
      system: systemPrompt(request.playbook),
      user: userPrompt(request.brief, request.index, this.options.allowedVariables),
    };
    const channel = request.brief.channel;
    const out = await withRetry(retry, 'Converse', (abortSignal) =>
      client.send(
        new ConverseCommand({
          modelId,
          system: [{ text: prompt.system }],
          messages: [{ role: 'user', content: [{ text: prompt.user }] }],
          inferenceConfig: { maxTokens: request.maxTokens, temperature },
          toolConfig: {
            tools: [
              {
                toolSpec: {
                  name: VARIANT_TOOL,
                  description: `Submit one finished ${channel} variant.`,
                  inputSchema: { json: channelJsonSchema(channel) as never },
                },
              },
            ],
            toolChoice: { tool: { name: VARIANT_TOOL } },
          },
          ...(guardrail
            ? {
                guardrailConfig: {
                  guardrailIdentifier: guardrail.identifier,
                  guardrailVersion: guardrail.version,
                  trace: 'enabled' as const,
                },
              }
            : {}),
        }),
        { abortSignal },
      ),
    );
    const blocks = out.output?.message?.content ?? [];
    const trace: GenerationTrace = {
      model: modelId,
      prompt,
      response: JSON.stringify({ stopReason: out.stopReason, content: blocks }),
      usage: { inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 },
    };
    if (out.stopReason === 'guardrail_intervened') {
      const reason = summariseAssessments(guardrailAssessments(out));
      return {
        kind: 'guardrail_intervened',
        reason,
        guardrail: { status: 'intervened', source: 'bedrock', reason },
        trace,
      };
    }
    const toolUse = blocks.find((b) => b.toolUse?.name === VARIANT_TOOL)?.toolUse;
    if (!toolUse) {
      return {
        kind: 'invalid_output',
        detail: `no ${VARIANT_TOOL} call (stopReason ${out.stopReason})`,
        trace,
      };
    }
    const input = typeof toolUse.input === 'object' && toolUse.input !== null ? toolUse.input : {};
    const parsed = channelSchema(channel).safeParse({ ...input, type: channel });
    if (!parsed.success) {
      const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      return {
        kind: 'invalid_output',
        detail: `the variant does not match the ${channel} schema at ${paths}`,
        trace,
      };
    }
    const content = parsed.data;
    const checked: GuardrailResult = this.outputGuardrail
      ? await this.outputGuardrail.check(content)
      : { status: 'not_configured' };
    if (checked.status === 'intervened') {
      return { kind: 'guardrail_intervened', reason: checked.reason, guardrail: checked, trace };
    }
    return { kind: 'generated', content, guardrail: checked, trace };
  }
}
