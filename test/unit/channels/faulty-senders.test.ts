import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INJECTED_FAULTS_FILE, withInjectedFaults } from '../../../shared/adapters/outbox/faulty-senders.js';
import { listOutbox, OutboxSender } from '../../../shared/adapters/outbox/outbox.js';

const email = (i: number) => ({
  messageId: `m-${i}`,
  from: 'shop@example.com',
  to: `p${i}@example.com`,
  subject: 'Hello',
  text: 'Hi',
  headers: [],
  tags: {},
});

describe('the local outbox under FELTFIT_SDK_FAULTS', () => {
  it('is the outbox itself without ses or sns faults', () => {
    const outbox = new OutboxSender(mkdtempSync(join(tmpdir(), 'feltfit-outbox-')));
    expect(withInjectedFaults(outbox, { FELTFIT_SDK_FAULTS: 'dynamodb=throttle:0.5' }).email).toBe(outbox);
  });

  it('writes a timed-out email and answers provider_timeout: delivered, but the caller cannot know', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-outbox-'));
    const { email: sender } = withInjectedFaults(new OutboxSender(dir), {
      FELTFIT_SDK_FAULTS: 'ses=timeout:1',
    });
    expect(await sender.sendEmail(email(1))).toEqual({
      ok: false,
      retryable: true,
      reason: 'provider_timeout',
    });
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('refuses a throttled or failed send before writing it', async () => {
    for (const [fault, reason] of [
      ['throttle', 'throttled'],
      ['error', 'provider_unavailable'],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'feltfit-outbox-'));
      const senders = withInjectedFaults(new OutboxSender(dir), {
        FELTFIT_SDK_FAULTS: `ses=${fault}:1,sns=${fault}:1`,
      });
      expect(await senders.email.sendEmail(email(2))).toEqual({ ok: false, retryable: true, reason });
      expect(
        await senders.sms.sendSms({
          messageId: 's-1',
          to: '+15551234567',
          body: 'Hi',
          type: 'promotional',
          segments: 1,
        }),
      ).toEqual({ ok: false, retryable: true, reason });
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('notes each injected fault by message id (no address) beside the outbox, which does not list it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feltfit-outbox-'));
    const { email: sender } = withInjectedFaults(new OutboxSender(dir), {
      FELTFIT_SDK_FAULTS: 'ses=timeout:1',
      OUTBOX_DIR: dir,
    });
    await sender.sendEmail(email(3));
    const notes = readFileSync(join(dir, INJECTED_FAULTS_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(notes).toEqual([{ at: expect.any(String), channel: 'email', fault: 'timeout', messageId: 'm-3' }]);
    expect(JSON.stringify(notes)).not.toContain('@example.com');
    expect((await listOutbox(dir)).map((e) => e.messageId)).toEqual(['m-3']);
  });
});
