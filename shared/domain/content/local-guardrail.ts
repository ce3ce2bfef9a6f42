/**
 * The guardrail offline: the playbook's word, competitor, taboo-topic and claims checks, answering
 * like Bedrock's ApplyGuardrail would (passed, or intervened with a reason).
 */
import type { BrandPlaybook } from '../../config/content.js';
import type { OutputGuardrail } from '../../ports/content.js';
import { runChecks } from './checks.js';
import type { ContentBody, GuardrailResult } from './schemas.js';

const GUARDRAIL_CODES = new Set(['disallowed_word', 'competitor_name', 'taboo_topic', 'unverifiable_claim']);

/** OutputGuardrail without Bedrock. */
export class LocalGuardrail implements OutputGuardrail {
  constructor(private readonly playbook: BrandPlaybook) {}

  async check(content: ContentBody): Promise<GuardrailResult> {
    // Variables are irrelevant here; allow everything so only guardrail-type findings remain.
    const report = runChecks(content, { playbook: this.playbook, allowedVariables: [''] });
    const hit = report.failures.find((f) => GUARDRAIL_CODES.has(f.code));
    return hit
      ? { status: 'intervened', source: 'local', reason: hit.code }
      : { status: 'passed', source: 'local' };
  }
}
