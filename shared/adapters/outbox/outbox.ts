/**
 * The local outbox: what would have gone to SES, SNS or End User Messaging is written to
 * `$OUTBOX_DIR` (`$FELTFIT_DATA_DIR/outbox`) instead — `.eml` for email, `.sms.json` and `.push.json` —
 * and listed by `npx feltfit outbox` and `GET /admin/outbox`.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  EmailMessage,
  EmailSender,
  ProviderResult,
  PushMessage,
  PushSender,
  SmsMessage,
  SmsSender,
} from '../../ports/channels.js';
import { buildMime, mimePart, parseHeaders } from './mime.js';

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
const safe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_');

/** Writes every channel's messages as files; one instance serves as Email, SMS and Push sender. */
export class OutboxSender implements EmailSender, SmsSender, PushSender {
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async write(name: string, content: string): Promise<ProviderResult> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    // 'wx': never overwrite — a second write of one message id is a bug worth seeing.
    await writeFile(join(this.dir, name), content, { flag: 'wx' });
    return { ok: true, providerId: `outbox:${name}` };
  }

  sendEmail(message: EmailMessage): Promise<ProviderResult> {
    const now = this.now();
    const mime = buildMime(message, {
      date: now,
      domain: 'feltfit.local',
      boundary: `feltfit-${safe(message.messageId)}`,
    });
    return this.write(`${stamp(now)}-${safe(message.messageId)}.eml`, mime);
  }

  sendSms(message: SmsMessage): Promise<ProviderResult> {
    const now = this.now();
    return this.write(
      `${stamp(now)}-${safe(message.messageId)}.sms.json`,
      `${JSON.stringify({ channel: 'sms', createdAt: now.toISOString(), ...message }, null, 2)}\n`,
    );
  }

  sendPush(message: PushMessage): Promise<ProviderResult> {
    const now = this.now();
    return this.write(
      `${stamp(now)}-${safe(message.messageId)}.push.json`,
      `${JSON.stringify({ channel: 'push', createdAt: now.toISOString(), ...message }, null, 2)}\n`,
    );
  }
}

/** One outbox file, summarised. */
export interface OutboxEntry {
  readonly file: string;
  readonly channel: 'email' | 'sms' | 'push';
  readonly messageId: string;
  readonly createdAt: string;
  readonly to: string;
  /** Email subject, push title. */
  readonly subject?: string;
  /** SMS / push body. */
  readonly body?: string;
  /** The message decoded for display, its address masked (console's Local outbox, `outbox show`). */
  readonly preview: OutboxPreview;
}

export type OutboxPreview =
  | {
      readonly channel: 'email';
      readonly from: string;
      readonly to: string;
      readonly subject: string;
      readonly text: string;
      /** The HTML part, for a sandboxed iframe; absent for a text-only message. */
      readonly html?: string;
    }
  | { readonly channel: 'sms'; readonly to: string; readonly text: string }
  | { readonly channel: 'push'; readonly to: string; readonly title: string; readonly body: string };

/** `ann@example.com` → `a••@example.com`; `+15551234567` → `••••••••4567`. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) {
    const angle = /<([^>]+)>/.exec(address);
    if (angle) return maskAddress(angle[1]!);
    return `${address[0]}••@${address.slice(at + 1)}`;
  }
  const digits = address.replace(/\s/g, '');
  return digits.length > 4 ? `${'•'.repeat(digits.length - 4)}${digits.slice(-4)}` : '••••';
}

/** Lists the outbox, newest first. A missing directory is an empty outbox. */
export async function listOutbox(dir: string, options: { limit?: number } = {}): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
  const files = names
    .filter((n) => n.endsWith('.eml') || n.endsWith('.sms.json') || n.endsWith('.push.json'))
    .sort()
    .reverse()
    .slice(0, options.limit ?? 100);
  return Promise.all(files.map((file) => readEntry(dir, file)));
}

async function readEntry(dir: string, file: string): Promise<OutboxEntry> {
  const raw = await readFile(join(dir, file), 'utf8');
  if (file.endsWith('.eml')) {
    const h = parseHeaders(raw);
    const html = mimePart(raw, 'text/html');
    return {
      file,
      channel: 'email',
      messageId: (h['message-id'] ?? '').replace(/^<|@.*$/g, ''),
      createdAt: h.date ? new Date(h.date).toISOString() : '',
      to: h.to ?? '',
      subject: h.subject ?? '',
      preview: {
        channel: 'email',
        from: h.from ?? '',
        to: maskAddress(h.to ?? ''),
        subject: h.subject ?? '',
        text: mimePart(raw, 'text/plain') ?? '',
        ...(html !== undefined ? { html } : {}),
      },
    };
  }
  const json = JSON.parse(raw) as Record<string, unknown>;
  const channel = file.endsWith('.sms.json') ? 'sms' : 'push';
  const devices = `${Array.isArray(json.tokens) ? json.tokens.length : 0} device(s)`;
  const preview: OutboxPreview =
    channel === 'sms'
      ? { channel, to: maskAddress(String(json.to ?? '')), text: String(json.body ?? '') }
      : { channel, to: devices, title: String(json.title ?? ''), body: String(json.body ?? '') };
  return {
    file,
    channel,
    messageId: String(json.messageId ?? ''),
    createdAt: String(json.createdAt ?? ''),
    to: channel === 'sms' ? String(json.to ?? '') : devices,
    ...(channel === 'push' ? { subject: String(json.title ?? '') } : {}),
    body: String(json.body ?? ''),
    preview,
  };
}

/** One outbox file decoded for reading: headers and the text part (email), or the message's text. */
export async function showOutboxFile(
  dir: string,
  file: string,
  options: { html?: boolean } = {},
): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(file) || file.startsWith('.')) throw new Error('invalid outbox file name');
  const entry = await readEntry(dir, file);
  const p = entry.preview;
  if (p.channel === 'email') {
    const lines = [
      `From: ${p.from}`,
      `To: ${entry.to}`,
      `Subject: ${p.subject}`,
      `Date: ${entry.createdAt}`,
      '',
    ];
    lines.push(options.html && p.html !== undefined ? p.html : p.text);
    if (!options.html && p.html !== undefined)
      lines.push('', `[HTML part: ${p.html.length} characters; --html shows it]`);
    return `${lines.join('\n').trimEnd()}\n`;
  }
  if (p.channel === 'sms') return `To: ${entry.to}\nDate: ${entry.createdAt}\n\n${p.text}\n`;
  return `To: ${entry.to}\nDate: ${entry.createdAt}\nTitle: ${p.title}\n\n${p.body}\n`;
}

/** The raw content of one outbox file (name must be a plain file name from `listOutbox`). */
export async function readOutboxFile(dir: string, file: string): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(file) || file.startsWith('.')) throw new Error('invalid outbox file name');
  return readFile(join(dir, file), 'utf8');
}
