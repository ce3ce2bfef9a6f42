/** Prompts for the model: a system prompt from the playbook and a user prompt from the brief. */
import * as z from 'zod';
import type { BrandPlaybook, ContentChannel } from '../../config/content.js';
import { type Brief, ContentBody } from './schemas.js';

const list = (items: readonly string[]) => items.map((i) => `- ${i}`).join('\n');

/** The system prompt: who the brand is and every rule the copy must follow. */
export function systemPrompt(playbook: BrandPlaybook): string {
  const limits = playbook.lengthLimits;
  return [
    `You write marketing and service copy for ${playbook.brand}.`,
    `Voice: ${playbook.voice}`,
    `Tone: ${playbook.tone.join(', ')}.`,
    `Audience: ${playbook.audience}`,
    playbook.doExamples.length ? `Write like this:\n${list(playbook.doExamples)}` : '',
    playbook.dontExamples.length ? `Never write like this:\n${list(playbook.dontExamples)}` : '',
    playbook.tabooTopics.length
      ? `Never touch these topics:\n${list(playbook.tabooTopics.map((t) => `${t.name}: ${t.definition}`))}`
      : '',
    playbook.disallowedWords.length ? `Never use these words: ${playbook.disallowedWords.join(', ')}.` : '',
    playbook.competitorNames.length ? `Never name competitors: ${playbook.competitorNames.join(', ')}.` : '',
    playbook.claims.disallowedPatterns.length
      ? `Make no unverifiable claims, superlatives or guarantees, such as: ${playbook.claims.disallowedPatterns.join(', ')}.`
      : '',
    `Never offer or mention a discount above ${playbook.offers.maxDiscountPercent}%.`,
    `Email must include ${playbook.requiredElements.email.join(' and ') || 'nothing extra'} in both html and text; SMS must include ${playbook.requiredElements.sms.join(' and ') || 'nothing extra'}.`,
    `Limits: email subject ${limits.email.subject} chars, preheader ${limits.email.preheader}; SMS at most ${limits.sms.maxSegments} segments (keep to plain GSM characters); push title ${limits.push.title}, body ${limits.push.body}; in-app title ${limits.in_app.title}, body ${limits.in_app.body}, button ${limits.in_app.cta}.`,
    'Personalise only with Liquid, e.g. {{ profile.traits.firstName | default: "there" }}; never invent personal data, prices, dates or facts beyond the brief.',
    'Answer only by calling the tool with the finished copy.',
  ]
    .filter((l) => l.length > 0)
    .join('\n\n');
}

// Distinct angles so the n variants of a brief differ from each other.
const ANGLES = ['direct and practical', 'warm and personal', 'curious, with a question', 'brief and calm'];

/** The user prompt for variant `index` of a brief. */
export function userPrompt(brief: Brief, index: number, allowedVariables: readonly string[] = []): string {
  const angle = ANGLES[index % ANGLES.length] ?? 'direct';
  return [
    `Write one ${brief.channel.replace('_', ' ')} variant (${index + 1} of ${brief.n}), angle: ${angle}.`,
    `Journey step: ${brief.journeyStep}. Intent: ${brief.intent}.`,
    `Audience segment: ${brief.audience.segment}${brief.audience.description ? ` (${brief.audience.description})` : ''}.`,
    brief.product
      ? `Product: ${brief.product.name}.${brief.product.facts.length ? `\nFacts (use only these):\n${list(brief.product.facts)}` : ''}`
      : '',
    brief.offer
      ? `Offer: ${brief.offer.type}${brief.offer.percent !== undefined ? `, ${brief.offer.percent}% off` : ''}${brief.offer.code ? ', code in {{ offer.code }}' : ''}.`
      : 'No offer: do not mention discounts.',
    allowedVariables.length ? `Variables you may use: ${allowedVariables.join(', ')}.` : '',
  ]
    .filter((l) => l.length > 0)
    .join('\n');
}

/** The body schema of one channel (a member of the ContentBody union). */
export function channelSchema(channel: ContentChannel) {
  const option = ContentBody.options.find((o) => o.shape.type.value === channel);
  if (!option) throw new Error(`no content schema for channel ${channel}`);
  return option;
}

/** JSON schema of one channel's body, for the tool the model must call. */
export function channelJsonSchema(channel: ContentChannel): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(channelSchema(channel)) as Record<string, unknown>;
  return schema;
}
