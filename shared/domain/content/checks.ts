/**
 * The checks every variant passes through, whoever wrote it (model, offline generator or a person).
 * Pure: the playbook and the allowed personalisation variables come in as arguments.
 *
 * Codes: disallowed_word, competitor_name, taboo_topic, unverifiable_claim, offer_above_limit,
 * length_exceeded, sms_segments_exceeded, missing_required_element, liquid_invalid, unknown_variable,
 * template_tag_not_allowed, template_limit_exceeded.
 */
import type { BrandPlaybook } from '../../config/content.js';
import { sandboxedLiquid, type TemplateErrorCode, templateError } from '../channels/liquid.js';
import type { CheckFailure, CheckReport, ContentBody } from './schemas.js';
import { textFields } from './schemas.js';
import { findPhraseNormalised, normaliseForMatch, phraseRegex, smsSegments } from './text.js';

/** What the checks need besides the variant. */
export interface CheckContext {
  readonly playbook: BrandPlaybook;
  readonly allowedVariables: readonly string[];
}

// One parser for all checks, sandboxed like the send's (no files, allowed tags, limits); strict
// filters so a misspelt filter is a Liquid error, not silence.
const liquid = sandboxedLiquid({ strictFilters: true });

// "25% off", "save 25%", "25 percent discount", "discount of 25%", "up to 30% off".
const DISCOUNT_RES = [
  /(\d{1,3}(?:[.,]\d+)?)\s*(?:%|percent|per cent)\s*(?:off|discount|saving|reduction)/gu,
  /(?:save|saving|discount of|take|extra|up to)\s*(\d{1,3}(?:[.,]\d+)?)\s*(?:%|percent|per cent)/gu,
];

/** Largest discount percentage the text mentions, or undefined. */
export function largestDiscount(text: string, normalised = normaliseForMatch(text)): number | undefined {
  let max: number | undefined;
  for (const re of DISCOUNT_RES) {
    for (const m of normalised.matchAll(re)) {
      const value = Number((m[1] ?? '').replace(',', '.'));
      if (Number.isFinite(value) && (max === undefined || value > max)) max = value;
    }
  }
  return max;
}

/**
 * Liquid variable paths a template uses, or why the sandbox refuses it. A template with tags is also
 * rendered once with an empty scope under the send's limits, so a loop whose size does not depend on
 * the person (`(1..3000000)`, nested ranges) is refused here rather than at every send.
 */
function liquidVariables(
  text: string,
): { variables: string[] } | { error: { code: TemplateErrorCode; detail: string } } {
  // Without an opening delimiter Liquid sees plain text; parsing costs ~0.3 ms, so skip it.
  if (!/\{[{%]/.test(text)) return { variables: [] };
  try {
    const templates = liquid.parse(text);
    const variables = liquid.globalFullVariablesSync(templates);
    if (/\{%/.test(text)) liquid.renderSync(templates, {});
    return { variables };
  } catch (err) {
    return { error: templateError(err) };
  }
}

/** A variable is allowed when it is listed, or is an index/property below a listed path. */
function isAllowed(path: string, allowed: readonly string[]): boolean {
  const clean = path.replace(/\[(?:"([^"]*)"|'([^']*)')\]/g, '.$1$2').replace(/\[\d+\]/g, '');
  return allowed.some((a) => clean === a || clean.startsWith(`${a}.`));
}

function lengthLimits(body: ContentBody, playbook: BrandPlaybook): Record<string, number> {
  if (body.type === 'sms') return {};
  return playbook.lengthLimits[body.type] as Record<string, number>;
}

/** `{{ name }}` matches any spacing and filters of that variable; other elements match as phrases. */
function requiredElementRegex(element: string): RegExp {
  const variable = /^\{\{-?\s*([\w.]+)\s*-?\}\}$/.exec(element.trim());
  if (!variable?.[1]) return phraseRegex(element);
  const name = variable[1].toLowerCase().replace(/\./g, '\\.');
  return new RegExp(`\\{\\{-?\\s*${name}\\s*(?:\\|[^}]*)?-?\\}\\}`, 'u');
}

/** Runs every check on a content body and reports each failure with its code. */
export function runChecks(body: ContentBody, context: CheckContext): CheckReport {
  const { playbook } = context;
  const failures: CheckFailure[] = [];
  const fields = textFields(body);
  const push = (code: string, detail: string) => {
    if (!failures.some((f) => f.code === code && f.detail === detail)) failures.push({ code, detail });
  };

  for (const [field, text] of fields) {
    const normalised = normaliseForMatch(text);
    const findPhrase = (_raw: string, phrases: readonly string[]) =>
      findPhraseNormalised(normalised, phrases);
    const word = findPhrase(text, playbook.disallowedWords);
    if (word) push('disallowed_word', `${field} uses the disallowed word "${word}"`);
    const competitor = findPhrase(text, playbook.competitorNames);
    if (competitor) push('competitor_name', `${field} names the competitor "${competitor}"`);
    for (const topic of playbook.tabooTopics) {
      if (findPhrase(text, topic.keywords))
        push('taboo_topic', `${field} touches the taboo topic "${topic.name}"`);
    }
    const claim = findPhrase(text, playbook.claims.disallowedPatterns);
    if (claim) push('unverifiable_claim', `${field} makes the unverifiable claim "${claim}"`);
    const discount = largestDiscount(text, normalised);
    if (discount !== undefined && discount > playbook.offers.maxDiscountPercent) {
      push(
        'offer_above_limit',
        `${field} mentions ${discount}% off; the limit is ${playbook.offers.maxDiscountPercent}%`,
      );
    }
    const parsed = liquidVariables(text);
    if ('error' in parsed) push(parsed.error.code, `${field}: ${parsed.error.detail}`);
    else {
      for (const v of parsed.variables) {
        if (!isAllowed(v, context.allowedVariables)) push('unknown_variable', `${field} uses "${v}"`);
      }
    }
  }

  const limits = lengthLimits(body, playbook);
  for (const [field, text] of fields) {
    const limit = limits[field];
    const length = [...text].length;
    if (limit !== undefined && length > limit) {
      push('length_exceeded', `${field} has ${length} characters; the limit is ${limit}`);
    }
  }
  if (body.type === 'sms') {
    const sms = smsSegments(body.text);
    const max = playbook.lengthLimits.sms.maxSegments;
    if (sms.segments > max) {
      push('sms_segments_exceeded', `${sms.segments} ${sms.encoding} segments; the limit is ${max}`);
    }
  }

  const required =
    body.type in playbook.requiredElements
      ? playbook.requiredElements[body.type as keyof BrandPlaybook['requiredElements']]
      : [];
  // Email needs the element in both bodies (html and text); other channels in any field.
  const where = body.type === 'email' ? fields.filter(([f]) => f === 'html' || f === 'text') : fields;
  for (const element of required) {
    const re = requiredElementRegex(element);
    const missing =
      body.type === 'email'
        ? where.filter(([, t]) => !re.test(normaliseForMatch(t))).map(([f]) => f)
        : where.some(([, t]) => re.test(normaliseForMatch(t)))
          ? []
          : ['body'];
    if (missing.length > 0) push('missing_required_element', `${missing.join(', ')} lacks "${element}"`);
  }

  return { passed: failures.length === 0, failures };
}
