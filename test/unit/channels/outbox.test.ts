import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../../infra/cli/commands/outbox.js';
import { mimePart, parseHeaders } from '../../../shared/adapters/outbox/mime.js';
import { listOutbox, OutboxSender } from '../../../shared/adapters/outbox/outbox.js';
import { send } from '../../../shared/domain/channels/send.js';
import { memorySendDeps, NOON_NY, request } from './support.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feltfit-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outboxDeps() {
  const s = memorySendDeps();
  const outbox = new OutboxSender(dir, () => NOON_NY);
  s.deps = { ...s.deps, email: outbox, sms: outbox, push: outbox };
  return s;
}

describe('local outbox', () => {
  it('writes marketing email as an .eml with all headers and text and HTML alternatives', async () => {
    const s = outboxDeps();
    await send(
      s.deps,
      request({ content: { ...request().content, subject: 'Grüße {{ traits.firstName }}' } }),
    );
    const [entry] = await listOutbox(dir);
    expect(entry).toMatchObject({
      channel: 'email',
      messageId: 'm000001',
      to: 'Ada@Example.com',
      subject: 'Grüße Ada',
    });
    const raw = await readFile(join(dir, entry!.file), 'utf8');
    const h = parseHeaders(raw);
    expect(h).toMatchObject({
      from: 'Feltfit <hello@example.com>',
      to: 'Ada@Example.com',
      'message-id': '<m000001@feltfit.local>',
      'list-unsubscribe-post': 'List-Unsubscribe=One-Click',
      'mime-version': '1.0',
    });
    expect(h['list-unsubscribe']).toMatch(/^<http:\/\/localhost:3000\/v1\/unsubscribe\?token=/);
    expect(h['content-type']).toMatch(/^multipart\/alternative; boundary=/);
    expect(mimePart(raw, 'text/plain')).toContain('Hi Ada');
    expect(mimePart(raw, 'text/html')).toContain('<p>Hi Ada</p>');
  });

  it('writes SMS and push as JSON and lists newest first', async () => {
    const s = outboxDeps();
    let t = NOON_NY.getTime();
    const outbox = new OutboxSender(dir, () => {
      t += 1000;
      return new Date(t);
    });
    s.deps = { ...s.deps, sms: outbox, push: outbox };
    await send(s.deps, request({ channel: 'sms' }));
    await send(s.deps, request({ channel: 'push', content: { ...request().content, title: 'Psst' } }));
    const entries = await listOutbox(dir);
    expect(entries.map((e) => e.channel)).toEqual(['push', 'sms']);
    expect(entries[1]).toMatchObject({ to: '+15551234567', body: 'Hi Ada Reply STOP to opt out' });
    expect(entries[0]).toMatchObject({ to: '1 device(s)', subject: 'Psst' });
  });

  it('previews each message decoded, its address masked: email with its HTML, SMS text, push title and body', async () => {
    const s = outboxDeps();
    let t = NOON_NY.getTime();
    const outbox = new OutboxSender(dir, () => {
      t += 1000;
      return new Date(t);
    });
    s.deps = { ...s.deps, email: outbox, sms: outbox, push: outbox };
    await send(s.deps, request());
    await send(s.deps, request({ channel: 'sms' }));
    await send(s.deps, request({ channel: 'push', content: { ...request().content, title: 'Psst' } }));
    const [push, sms, email] = await listOutbox(dir);
    expect(email!.preview).toMatchObject({
      channel: 'email',
      from: 'Feltfit <hello@example.com>',
      to: 'A••@Example.com',
      subject: 'Hello Ada',
    });
    expect(email!.preview.channel === 'email' && email!.preview.text).toContain('Hi Ada');
    expect(email!.preview.channel === 'email' && email!.preview.html).toContain('<p>Hi Ada</p>');
    expect(sms!.preview).toEqual({
      channel: 'sms',
      to: '••••••••4567',
      text: 'Hi Ada Reply STOP to opt out',
    });
    expect(push!.preview).toMatchObject({ channel: 'push', to: '1 device(s)', title: 'Psst' });
  });

  it('lists an outbox that does not exist yet as empty', async () => {
    expect(await listOutbox(join(dir, 'nope'))).toEqual([]);
  });

  it('is listed by `feltfit outbox`', async () => {
    const s = outboxDeps();
    await send(s.deps, request());
    let out = '';
    const io = {
      out: (t: string) => {
        out += t;
      },
      err: () => {},
      env: { OUTBOX_DIR: dir },
    };
    expect(await run([], io)).toBe(0);
    expect(out).toMatch(/email\s+Ada@Example\.com\s+Hello Ada/);
    out = '';
    expect(await run(['--json'], io)).toBe(0);
    expect(JSON.parse(out)).toHaveLength(1);
    const [entry] = await listOutbox(dir);
    out = '';
    expect(await run(['show', entry!.file], io)).toBe(0);
    expect(out).toMatch(/^From: Feltfit <hello@example.com>\nTo: Ada@Example.com\nSubject: Hello Ada\n/);
    expect(out).toContain('Hi Ada');
    expect(out).not.toMatch(/Content-Transfer-Encoding: base64/);
    out = '';
    expect(await run(['show', entry!.file, '--html'], io)).toBe(0);
    expect(out).toContain('<p>Hi Ada</p>');
    out = '';
    expect(await run(['show', entry!.file, '--raw'], io)).toBe(0);
    expect(out).toContain('Content-Transfer-Encoding: base64');
    expect(await run(['show', '../../etc/passwd'], io)).toBe(1);
    expect(await run(['bogus'], io)).toBe(2);
  });
});
