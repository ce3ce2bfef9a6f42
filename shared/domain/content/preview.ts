/**
 * A variant rendered for one person (or a sample person) the way the send function would render it:
 * the same Liquid renderer and scope (shared/domain/channels/render.ts — `profile`, `traits`,
 * `features`, `message`), the same additions (preheader, the marketing email's postal-address and
 * unsubscribe footer, the SMS opt-out line). The template variables are the send's
 * (shared/domain/channels/variables.ts); the unsubscribe and preference links are placeholders, as a
 * preview signs no token. Nothing is sent or recorded.
 */
import * as z from 'zod';
import type { ChannelsConfig } from '../../config/channels.js';
import type { RecipientSource } from '../../ports/channels.js';
import type { ContentStore } from '../../ports/content.js';
import { type RenderScope, renderParts } from '../channels/render.js';
import { withHtmlFooter, withOptOut, withPreheader } from '../channels/send.js';
import { smsEncoding, smsSegments } from '../channels/sms-segments.js';
import { preferencesLink, templateScope } from '../channels/variables.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import { ContentBody, textFields } from './schemas.js';

/** Body of `POST /admin/content/{id}/preview`: whose traits, which purpose, and optionally an edit. */
export const PreviewRequest = z
  .object({
    /** The person whose traits and features fill the copy; absent: a sample person. */
    profileId: z.string().trim().min(1).max(200).optional(),
    /** Marketing adds the footer and opt-out the send function adds. */
    purpose: z.enum(['marketing', 'transactional']).default('marketing'),
    /** Unsaved edited copy to render instead of the stored content. */
    edited: ContentBody.optional(),
  })
  .strict();
export type PreviewRequest = z.input<typeof PreviewRequest>;

/** The sample person of a preview without a profile: every allowed variable has a value. */
export const SAMPLE_PERSON = {
  profileId: 'sample',
  traits: { firstName: 'Alex', lastName: 'Sample', city: 'Leeds' },
  features: { cart: { value: 64.5, items: 2 }, rfm: { segment: 'loyal' } },
  context: {
    product: { name: 'Merino DK', url: 'https://example.com/products/merino-dk', price: 12.5 },
    order: { id: 'SAMPLE-1001', eta: 'Thursday' },
    offer: { code: 'SAMPLE10', percent: 10 },
  },
} as const;

/** A rendered preview, or why the copy does not render (as the send would skip it: `render_failed`). */
export type Preview = {
  readonly variantId: string;
  readonly channel: string;
  readonly person: { readonly kind: 'profile'; readonly profileId: string } | { readonly kind: 'sample' };
  readonly purpose: 'marketing' | 'transactional';
} & (
  | {
      readonly rendered: true;
      /** Variables the copy uses that this person has no value for (they render empty). */
      readonly missing: readonly string[];
      readonly email?: { subject: string; preheader: string; html: string; text: string };
      readonly sms?: { body: string; segments: number; encoding: 'GSM-7' | 'UCS-2' };
      readonly push?: { title: string; body: string };
      readonly inApp?: { title: string; body: string; cta: string };
      /** Other content types (FAQ, product description, call script): each field rendered as text. */
      readonly fields?: readonly (readonly [string, string])[];
    }
  | { readonly rendered: false; readonly part: string; readonly error: string }
);

export interface PreviewDeps {
  readonly store: Pick<ContentStore, 'get'>;
  readonly recipients: RecipientSource;
  readonly channels: Pick<ChannelsConfig, 'email' | 'sms'>;
}

/** Parses a preview body; InvalidRequestError with field issues when it is not valid. */
export function parsePreviewRequest(raw: unknown): z.infer<typeof PreviewRequest> {
  const parsed = PreviewRequest.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError('invalid_preview', 'the preview request is not valid', {
    issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), code: i.code, message: i.message })),
  });
}

/** Renders variant `id` for the request's person. */
export async function previewVariant(deps: PreviewDeps, id: string, raw: unknown): Promise<Preview> {
  const request = parsePreviewRequest(raw);
  const variant = await deps.store.get(id);
  if (!variant) throw new NotFoundError('variant_not_found', 'no such content variant');
  if (request.edited && request.edited.type !== variant.channel) {
    throw new InvalidRequestError('edit_channel_mismatch', `the edit must be ${variant.channel} content`);
  }
  const content = request.edited ?? variant.content;
  if (!content)
    throw new NotFoundError('no_content', 'the guardrail blocked this variant: nothing to render');
  // A preview signs no token: the links are placeholders that show where they point.
  const marketing = request.purpose === 'marketing';
  const unsubscribeUrl = `${deps.channels.email.unsubscribeUrl}?token=preview`;
  const links = {
    unsubscribeUrl,
    preferencesUrl: preferencesLink(deps.channels.email, 'preview'),
  };
  const now = new Date();
  let scope: RenderScope;
  let person: Preview['person'];
  if (request.profileId) {
    const recipient = await deps.recipients.getRecipient(request.profileId);
    if (!recipient) throw new NotFoundError('profile_not_found', 'no such person');
    person = { kind: 'profile', profileId: recipient.profileId };
    scope = templateScope({ recipient, messageId: 'preview', links, now });
  } else {
    person = { kind: 'sample' };
    scope = templateScope({
      recipient: {
        profileId: SAMPLE_PERSON.profileId,
        consent: {},
        traits: SAMPLE_PERSON.traits,
        features: SAMPLE_PERSON.features,
      },
      messageId: 'preview',
      links,
      context: SAMPLE_PERSON.context,
      now,
    });
  }
  const head = { variantId: variant.id, channel: variant.channel, person, purpose: request.purpose };
  const text = (source: string) => ({ source, kind: 'text' as const });

  switch (content.type) {
    case 'email': {
      const r = renderParts(
        {
          subject: text(content.subject),
          preheader: text(content.preheader),
          text: text(content.text),
          html: { source: content.html, kind: 'html' },
        },
        scope,
      );
      if (!r.ok) return { ...head, rendered: false, part: r.part, error: r.error };
      const preheader = r.parts.preheader ?? '';
      let html = r.parts.html ?? '';
      let body = r.parts.text ?? '';
      if (preheader) html = withPreheader(html, preheader);
      if (marketing) {
        html = withHtmlFooter(html, deps.channels.email.postalAddress, unsubscribeUrl);
        body = `${body.trimEnd()}\n\n--\n${deps.channels.email.postalAddress}\nUnsubscribe: ${unsubscribeUrl}\n`;
      }
      const subject = (r.parts.subject ?? '').replace(/[\r\n]+/g, ' ').trim();
      return { ...head, rendered: true, missing: r.missing, email: { subject, preheader, html, text: body } };
    }
    case 'sms': {
      const r = renderParts({ body: text(content.text) }, scope);
      if (!r.ok) return { ...head, rendered: false, part: r.part, error: r.error };
      const rendered = r.parts.body ?? '';
      const body = marketing ? withOptOut(rendered, deps.channels.sms.optOutText) : rendered;
      return {
        ...head,
        rendered: true,
        missing: r.missing,
        sms: { body, segments: smsSegments(body), encoding: smsEncoding(body) },
      };
    }
    case 'push':
    case 'in_app': {
      const r = renderParts(
        {
          title: text(content.title),
          body: text(content.body),
          ...(content.type === 'in_app' ? { cta: text(content.cta) } : {}),
        },
        scope,
      );
      if (!r.ok) return { ...head, rendered: false, part: r.part, error: r.error };
      const title = r.parts.title ?? '';
      const body = r.parts.body ?? '';
      return content.type === 'push'
        ? { ...head, rendered: true, missing: r.missing, push: { title, body } }
        : { ...head, rendered: true, missing: r.missing, inApp: { title, body, cta: r.parts.cta ?? '' } };
    }
    default: {
      const parts = Object.fromEntries(textFields(content).map(([f, t]) => [f, text(t)]));
      const r = renderParts(parts, scope);
      if (!r.ok) return { ...head, rendered: false, part: r.part, error: r.error };
      return {
        ...head,
        rendered: true,
        missing: r.missing,
        fields: textFields(content).map(([f]) => [f, r.parts[f] ?? ''] as const),
      };
    }
  }
}
