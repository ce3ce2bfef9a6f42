/** A small RFC 5322 / MIME writer: the outbox's .eml files and SES Raw content share it. */
import type { EmailMessage } from '../../ports/channels.js';

const ascii = (s: string) => /^[\x20-\x7e]*$/.test(s);

/** RFC 2047 encoded-word for non-ASCII header text. */
export function encodeHeader(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return ascii(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

function base64Lines(text: string): string {
  return (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g)
      ?.join('\r\n') ?? ''
  );
}

/** The whole message (headers and MIME body) with CRLF line ends. */
export function buildMime(
  message: EmailMessage,
  options: { date: Date; domain: string; boundary: string },
): string {
  const headers = [
    `From: ${encodeHeader(message.from)}`,
    `To: ${encodeHeader(message.to)}`,
    ...(message.replyTo ? [`Reply-To: ${encodeHeader(message.replyTo)}`] : []),
    `Subject: ${encodeHeader(message.subject)}`,
    `Message-ID: <${message.messageId}@${options.domain}>`,
    `Date: ${options.date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    ...message.headers.map((h) => `${h.name}: ${encodeHeader(h.value)}`),
  ];
  const part = (type: string, body: string) =>
    [`Content-Type: ${type}; charset=UTF-8`, 'Content-Transfer-Encoding: base64', '', base64Lines(body)].join(
      '\r\n',
    );
  if (message.html === undefined) {
    return `${[...headers, part('text/plain', message.text)].join('\r\n')}\r\n`;
  }
  const b = options.boundary;
  return [
    ...headers,
    `Content-Type: multipart/alternative; boundary="${b}"`,
    '',
    `--${b}`,
    part('text/plain', message.text),
    `--${b}`,
    part('text/html', message.html),
    `--${b}--`,
    '',
  ].join('\r\n');
}

/** Header fields of a MIME message (unfolded, encoded words decoded). */
export function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const out: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const value = line
      .slice(i + 1)
      .trim()
      .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
    out[line.slice(0, i).toLowerCase()] = value;
  }
  return out;
}

/** Decoded text of the first MIME part of the given type (base64 parts). */
export function mimePart(raw: string, type: 'text/plain' | 'text/html'): string | undefined {
  const re = new RegExp(
    `Content-Type: ${type.replace('/', '\\/')}[^\\r\\n]*\\r?\\nContent-Transfer-Encoding: base64\\r?\\n\\r?\\n([A-Za-z0-9+/=\\r\\n]+)`,
  );
  const m = re.exec(raw);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64').toString('utf8') : undefined;
}
