import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../shared/adapters/outbox/outbox.js';
import { startTestRuntime, type TestRuntime } from '../support/runtime.js';

let rt: TestRuntime;

beforeAll(async () => {
  rt = await startTestRuntime();
});
afterAll(async () => {
  await rt?.stop();
});

const sendFunction = () => [...rt.functions.values()].find((f) => f.logicalId.startsWith('ChannelsSend'))!;
const outboxDir = () => join(rt.dataDir, 'outbox');

/** A consented person, created the way apps create them: an identify through the tracking API. */
async function consentedPerson(userId: string, email: string): Promise<string> {
  const res = await rt.post('/v1/identify', {
    userId,
    traits: { email, firstName: 'Ada' },
    context: { consent: { categoryPreferences: { email: true } }, timezone: 'Europe/London' },
  });
  expect(res.status).toBe(200);
  await rt.settle();
  const found = await rt.admin(`/admin/profiles?type=userId&value=${userId}`);
  expect(found.status).toBe(200);
  return found.body.profile.profileId;
}

function emailRequest(
  profileId: string,
  executionId: string,
  purpose: 'marketing' | 'transactional' = 'marketing',
) {
  return {
    profileId,
    channel: 'email',
    purpose,
    journey: 'e2e',
    executionId,
    step: 'hello',
    content: {
      variantId: 'v-hello',
      status: 'approved',
      subject: 'Hello {{ profile.traits.firstName | default: "there" }}',
      text: 'Hi {{ profile.traits.firstName | default: "there" }}, new autumn colours are in.',
      html: '<p>Hi {{ profile.traits.firstName | default: "there" }}, new autumn colours are in.</p>',
    },
    variant: 'A',
    priority: 10,
  };
}

describe('channels through the local runtime', () => {
  it('emails a consented person with a working one-click unsubscribe; the next send is skipped', async () => {
    const profileId = await consentedPerson('ch-user-1', 'ada@example.com');
    const sent = await sendFunction().invoke<{ outcome: string }>(emailRequest(profileId, 'exec-1'));
    expect(sent.outcome).toBe('Sent');

    const listed = await rt.admin('/admin/outbox');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body.messages)).toContain('ada@example.com');
    const [entry] = (await listOutbox(outboxDir())).filter(
      (e) => e.channel === 'email' && e.to.includes('ada@example.com'),
    );
    expect(entry?.subject).toBe('Hello Ada');
    const eml = readFileSync(join(outboxDir(), entry!.file), 'utf8');
    expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    const link = /^List-Unsubscribe: <(http[^>]+)>/m.exec(eml)?.[1];
    expect(link).toContain(`${rt.url}/v1/unsubscribe?token=`);

    // RFC 8058 one-click: a POST with this exact body, no cookies, no confirmation page.
    const unsubscribed = await fetch(link!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);

    const next = await sendFunction().invoke<{ outcome: string; reason?: string }>(
      emailRequest(profileId, 'exec-2'),
    );
    expect(next.outcome).toBe('Skipped');
    // Suppressed at once; once the withdrawal event is projected the consent itself is withdrawn too.
    expect(['suppressed_unsubscribe', 'no_consent']).toContain(next.reason);
    await rt.settle();
    const profile = await rt.admin(`/admin/profiles/${profileId}`);
    expect(JSON.stringify(profile.body.profile.consent)).toMatch(/"granted":false/);
    const later = await sendFunction().invoke<{ outcome: string; reason?: string }>(
      emailRequest(profileId, 'exec-3'),
    );
    expect(later).toMatchObject({ outcome: 'Skipped', reason: 'no_consent' });
  });

  it('suppresses an address after an SES hard bounce, also for transactional email', async () => {
    const profileId = await consentedPerson('ch-user-2', 'bounce@example.com');
    const sent = await sendFunction().invoke<{ outcome: string; messageId: string }>(
      emailRequest(profileId, 'exec-b1'),
    );
    expect(sent.outcome).toBe('Sent');

    // SES publishes to the default bus; the template's rule routes it to provider feedback.
    const eventBridge = new EventBridgeClient({
      endpoint: rt.busEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'default',
            Source: 'aws.ses',
            DetailType: 'Email Bounced',
            Detail: JSON.stringify({
              eventType: 'Bounce',
              mail: {
                timestamp: new Date().toISOString(),
                source: 'hello@example.com',
                messageId: 'ses-1',
                destination: ['bounce@example.com'],
                tags: { 'ses:configuration-set': ['feltfit'], feltfit_message_id: [sent.messageId] },
              },
              bounce: {
                bounceType: 'Permanent',
                bounceSubType: 'General',
                bouncedRecipients: [
                  { emailAddress: 'bounce@example.com', action: 'failed', status: '5.1.1' },
                ],
                timestamp: new Date().toISOString(),
                feedbackId: 'f-1',
              },
            }),
          },
        ],
      }),
    );
    await rt.settle();
    const next = await sendFunction().invoke<{ outcome: string; reason?: string }>(
      emailRequest(profileId, 'exec-b2', 'transactional'),
    );
    expect(next).toMatchObject({ outcome: 'Skipped', reason: 'suppressed_hard_bounce' });
  });
});
