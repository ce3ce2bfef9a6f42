/** OutputGuardrail on Bedrock ApplyGuardrail (source OUTPUT), for final copy a person edited. */
import {
  ApplyGuardrailCommand,
  type BedrockRuntimeClient,
  type GuardrailAssessment,
} from '@aws-sdk/client-bedrock-runtime';
import type { ContentBody, GuardrailResult } from '../../domain/content/schemas.js';
import { textFields } from '../../domain/content/schemas.js';
import type { OutputGuardrail } from '../../ports/content.js';
import { type RetryPolicy, withRetry } from './retry.js';

/** Which guardrail to apply. */
export interface GuardrailRef {
  readonly identifier: string;
  readonly version: string;
}

/**
 * A short reason from guardrail assessments: the policies that acted and what they matched.
 * PII findings name only the entity type, never the matched text.
 */
export function summariseAssessments(assessments: readonly GuardrailAssessment[]): string {
  const parts = new Set<string>();
  for (const a of assessments) {
    for (const t of a.topicPolicy?.topics ?? []) parts.add(`topic:${t.name}`);
    for (const f of a.contentPolicy?.filters ?? []) parts.add(`content:${f.type}`);
    for (const w of a.wordPolicy?.customWords ?? []) parts.add(`word:${w.match}`);
    for (const w of a.wordPolicy?.managedWordLists ?? []) parts.add(`managed_word:${w.type}`);
    for (const p of a.sensitiveInformationPolicy?.piiEntities ?? []) parts.add(`pii:${p.type}`);
    for (const r of a.sensitiveInformationPolicy?.regexes ?? []) parts.add(`regex:${r.name}`);
  }
  return parts.size > 0 ? [...parts].join(', ') : 'guardrail intervened';
}

/** Bedrock ApplyGuardrail over every text field of the copy. */
export class BedrockOutputGuardrail implements OutputGuardrail {
  constructor(
    private readonly options: {
      readonly client: BedrockRuntimeClient;
      readonly guardrail: GuardrailRef;
      readonly retry: RetryPolicy;
    },
  ) {}

  async check(content: ContentBody): Promise<GuardrailResult> {
    const { client, guardrail, retry } = this.options;
    const out = await withRetry(retry, 'ApplyGuardrail', (abortSignal) =>
      client.send(
        new ApplyGuardrailCommand({
          guardrailIdentifier: guardrail.identifier,
          guardrailVersion: guardrail.version,
          source: 'OUTPUT',
          content: textFields(content).map(([, text]) => ({ text: { text } })),
        }),
        { abortSignal },
      ),
    );
    if (out.action === 'GUARDRAIL_INTERVENED') {
      return {
        status: 'intervened',
        source: 'bedrock',
        reason: summariseAssessments(out.assessments ?? []),
      };
    }
    return { status: 'passed', source: 'bedrock' };
  }
}
