/**
 * The offline generator: deterministic copy composed from the playbook and the brief's product
 * facts, with Liquid personalisation. Used by the local runtime and tests when Bedrock is not
 * configured (`BEDROCK_MODEL_ID` unset); its variants go through the same checks and review.
 */
import type { BrandPlaybook } from '../../config/content.js';
import type { GenerationRequest, GenerationResult, Generator, OutputGuardrail } from '../../ports/content.js';
import { LocalGuardrail } from './local-guardrail.js';
import { systemPrompt, userPrompt } from './prompt.js';
import type { Brief, ContentBody, Intent } from './schemas.js';

/** Model label of offline variants. */
export const OFFLINE_MODEL = 'offline-templates-v1';

const FIRST_NAME = '{{ profile.traits.firstName | default: "there" }}';

interface IntentCopy {
  readonly headlines: readonly string[];
  readonly lines: readonly string[];
  readonly cta: string;
  readonly question: string;
}

function copyFor(intent: Intent, brief: Brief): IntentCopy {
  const product = brief.product?.name ?? 'your order';
  switch (intent) {
    case 'shipping_reassurance':
      return {
        headlines: ['Your order is on its way', 'Good news about your parcel', 'Your yarn is travelling'],
        lines: [
          `We packed ${product} with care; it should reach you by {{ order.eta | default: "the date in your confirmation" }}.`,
          `${product} has left our studio and is heading your way.`,
          `Nothing to do but wait: ${product} is with the courier now.`,
        ],
        cta: 'Track my order',
        question: 'When will my order arrive?',
      };
    case 'fit_help':
      return {
        headlines: ['Between sizes? We can help', 'Find the size that fits', 'A quick fit check'],
        lines: [
          `Our fit guide compares ${product} with a sweater you already own.`,
          `Measure a favourite jumper, then match it to the chart for ${product}.`,
          `Not sure about sizing for ${product}? Reply and a knitter on our team will help.`,
        ],
        cta: 'See the fit guide',
        question: 'How do I choose the right size?',
      };
    case 'incentive': {
      const percent = brief.offer?.percent;
      const off = percent !== undefined ? `${percent}% off` : 'a thank-you code for';
      return {
        headlines: [
          'A little something for your next project',
          'A thank-you from our studio',
          'For your next skein',
        ],
        lines: [
          `Enjoy ${off} ${product} with code {{ offer.code | default: "in your account" }}.`,
          `Your next project deserves a treat: ${off} ${product}.`,
          `Here is ${off} ${product}, for the projects still on your list.`,
        ],
        cta: 'Use my code',
        question: 'How do I use my discount code?',
      };
    }
    case 'win_back':
      return {
        headlines: ['New colours since your last visit', 'It has been a while', 'Your needles miss you'],
        lines: [
          `New shades arrived since you last stopped by, including ${product}.`,
          `We have been dyeing new colours. ${product} might suit your next project.`,
          `Whenever you are ready to cast on again, ${product} is waiting.`,
        ],
        cta: 'See what is new',
        question: 'What is new since my last order?',
      };
    case 'onboarding':
      return {
        headlines: ['Welcome to the studio', 'Glad you are here', 'Your first steps with us'],
        lines: [
          'Start with a pattern you love, then pick the yarn weight it asks for.',
          `New to ${product}? Our beginner guides walk you through it stitch by stitch.`,
          'Save patterns to your list and we will suggest yarns that match them.',
        ],
        cta: 'Start here',
        question: 'Where do I start?',
      };
    case 'service_follow_up':
      return {
        headlines: ['How did we do?', 'Following up on your question', 'Is everything sorted?'],
        lines: [
          'Your recent request is marked resolved. If anything still feels off, reply and a person will help.',
          'We hope your question about your order is answered. Tell us if it is not.',
          'Thanks for your patience with us. One tap tells us how we did.',
        ],
        cta: 'Tell us',
        question: 'What happens after my request is resolved?',
      };
  }
}

const pick = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;
const clip = (text: string, max: number) =>
  [...text].length <= max
    ? text
    : `${[...text]
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Writes one variant deterministically: the same brief, playbook and index give the same copy. */
export function composeOffline(brief: Brief, playbook: BrandPlaybook, index: number): ContentBody {
  const copy = copyFor(brief.intent, brief);
  const headline = pick(copy.headlines, index);
  const line = pick(copy.lines, index);
  const facts = brief.product?.facts ?? [];
  const limits = playbook.lengthLimits;
  const required = (channel: keyof BrandPlaybook['requiredElements']) => playbook.requiredElements[channel];
  switch (brief.channel) {
    case 'email': {
      const footer = required('email').map((e) => (e.includes('{{') ? `Unsubscribe: ${e}` : e));
      const paragraphs = [`Hi ${FIRST_NAME},`, line, ...facts.slice(0, 3), `The ${playbook.brand} team`];
      const text = [...paragraphs, ...footer].join('\n\n');
      const html = [
        ...paragraphs.map((p) => `<p>${p.includes('{{') ? p : escapeHtml(p)}</p>`),
        `<p><a href="{{ preferences_url }}">${escapeHtml(copy.cta)}</a></p>`,
        ...required('email').map((e) =>
          e.includes('{{') ? `<p><a href="${e}">Unsubscribe</a></p>` : `<p>${escapeHtml(e)}</p>`,
        ),
      ].join('\n');
      return {
        type: 'email',
        subject: clip(headline, limits.email.subject),
        preheader: clip(line.replace(/\{\{[^}]*\}\}/g, 'soon'), limits.email.preheader),
        html,
        text,
      };
    }
    case 'sms':
      return {
        type: 'sms',
        text: [`${playbook.brand}: Hi ${FIRST_NAME}, ${line}`, ...required('sms')].join(' '),
      };
    case 'push':
      return {
        type: 'push',
        title: clip(headline, limits.push.title),
        body: clip(line, limits.push.body),
      };
    case 'in_app':
      return {
        type: 'in_app',
        title: clip(headline, limits.in_app.title),
        body: clip(line, limits.in_app.body),
        cta: clip(copy.cta, limits.in_app.cta),
      };
    case 'faq':
      return { type: 'faq', question: copy.question, answer: [line, ...facts].join(' ') };
    case 'product_description':
      return {
        type: 'product_description',
        title: clip(brief.product?.name ?? headline, limits.product_description.title),
        body: [line, ...facts].join(' '),
      };
    case 'call_script':
      return {
        type: 'call_script',
        opening: `Hello ${FIRST_NAME}, this is the ${playbook.brand} team. ${headline}.`,
        body: [
          line,
          ...facts,
          'Let the customer speak first and confirm you understood before offering anything.',
        ].join(' '),
        closing: 'Is there anything else I can help with today? Thank you for knitting with us.',
      };
  }
}

/** Generator port over composeOffline. */
export class OfflineGenerator implements Generator {
  readonly kind = 'offline' as const;
  readonly model = OFFLINE_MODEL;
  private readonly guardrail: OutputGuardrail;

  constructor(
    private readonly options: {
      readonly playbook: BrandPlaybook;
      readonly allowedVariables?: readonly string[];
    },
  ) {
    this.guardrail = new LocalGuardrail(options.playbook);
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    const content = composeOffline(request.brief, request.playbook, request.index);
    return {
      kind: 'generated',
      content,
      guardrail: await this.guardrail.check(content),
      trace: {
        model: OFFLINE_MODEL,
        prompt: {
          system: systemPrompt(request.playbook),
          user: userPrompt(request.brief, request.index, this.options.allowedVariables),
        },
        response: JSON.stringify(content),
        usage: { inputTokens: 0, outputTokens: 0 },
      },
    };
  }
}
