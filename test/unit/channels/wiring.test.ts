import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadSecret,
  providerSenders,
  SecretUnavailableError,
} from '../../../shared/adapters/outbox/channel-wiring.js';
import { OutboxSender } from '../../../shared/adapters/outbox/outbox.js';
import { SesEmailSender } from '../../../shared/adapters/ses/email-sender.js';
import { EumSmsSender, SnsSmsSender } from '../../../shared/adapters/sms/sms-senders.js';
import { channelsConfigFromEnv, defaultChannelsConfig } from '../../../shared/config/channels.js';

const LONG = 'k'.repeat(40);

describe('channels wiring', () => {
  it('parses CHANNELS_CONFIG once and fails naming the variable and the bad paths', () => {
    expect(channelsConfigFromEnv({})).toEqual(defaultChannelsConfig);
    expect(channelsConfigFromEnv({ CHANNELS_CONFIG: JSON.stringify(defaultChannelsConfig) })).toEqual(
      defaultChannelsConfig,
    );
    expect(() => channelsConfigFromEnv({ CHANNELS_CONFIG: '{' })).toThrow(/CHANNELS_CONFIG/);
    const bad = { ...defaultChannelsConfig, feedback: { ...defaultChannelsConfig.feedback, bounceRate: 2 } };
    expect(() => channelsConfigFromEnv({ CHANNELS_CONFIG: JSON.stringify(bad) })).toThrow(
      /CHANNELS_CONFIG \(feedback\.bounceRate\)/,
    );
  });

  it('selects the outbox locally, SES + SNS in AWS, and End User Messaging when an origination identity is set', () => {
    expect(providerSenders({ OUTBOX_DIR: '/tmp/x' }, defaultChannelsConfig).email).toBeInstanceOf(
      OutboxSender,
    );
    const aws = providerSenders({}, defaultChannelsConfig);
    expect(aws.email).toBeInstanceOf(SesEmailSender);
    expect(aws.sms).toBeInstanceOf(SnsSmsSender);
    const eum = providerSenders(
      {},
      { ...defaultChannelsConfig, sms: { ...defaultChannelsConfig.sms, originationIdentity: 'pool-1' } },
    );
    expect(eum.sms).toBeInstanceOf(EumSmsSender);
  });

  it('reads a secret from the environment and refuses a short one', async () => {
    expect(await loadSecret('INBOX_SECRET', { INBOX_SECRET: LONG })).toBe(LONG);
    await expect(loadSecret('INBOX_SECRET', { INBOX_SECRET: 'short' })).rejects.toBeInstanceOf(
      SecretUnavailableError,
    );
    await expect(loadSecret('INBOX_SECRET', {})).rejects.toThrow(/INBOX_SECRET/);
  });

  it('reads a secret ARN through the Parameters and Secrets extension with the session token', async () => {
    const calls: { url: string; token: string | null }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      calls.push({ url, token: new Headers(init.headers).get('X-Aws-Parameters-Secrets-Token') });
      return new Response(JSON.stringify({ SecretString: LONG }), { status: 200 });
    }) as unknown as typeof fetch;
    const arn = 'arn:aws:secretsmanager:us-east-1:1:secret:unsub';
    expect(
      await loadSecret(
        'UNSUBSCRIBE_SECRET',
        { UNSUBSCRIBE_SECRET_ARN: arn, AWS_SESSION_TOKEN: 'sess' },
        fetchImpl,
      ),
    ).toBe(LONG);
    expect(calls).toEqual([
      { url: `http://localhost:2773/secretsmanager/get?secretId=${encodeURIComponent(arn)}`, token: 'sess' },
    ]);
  });

  it('generates a local secret once into FELTFIT_DATA_DIR and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feltfit-secret-'));
    try {
      const first = await loadSecret('UNSUBSCRIBE_SECRET', { FELTFIT_DATA_DIR: dir });
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(await loadSecret('UNSUBSCRIBE_SECRET', { FELTFIT_DATA_DIR: dir })).toBe(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
