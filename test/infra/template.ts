import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { CfnTemplate } from '../../infra/local/template.js';

/** The default app's template, as the infra project's global setup synthesized it (cdk-nag clean). */
export function stackTemplate(): CfnTemplate {
  return JSON.parse(readFileSync(inject('infraTemplatePath'), 'utf8')) as CfnTemplate;
}
