/**
 * The provider-feedback Lambda: SES events from EventBridge (`source: aws.ses`) and inbound SMS (an SNS
 * event from the stack's `feltfit-inbound-sms` topic, each record's message End User Messaging's
 * two-way SMS JSON). Events it cannot read are logged and dropped — retrying them cannot help.
 */
import middy from '@middy/core';
import * as z from 'zod';
import {
  type FeedbackDeps,
  handleInboundSms,
  handleSesEvent,
  InboundSms,
  SesEventBridgeEvent,
} from '../../shared/domain/channels/feedback.js';

const SnsEvent = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }).loose() }).loose()).min(1),
});

export type FeedbackHandlerResult = { handled: number; ignored: number };

/** Builds the handler from its dependencies. */
export function createProviderFeedbackHandler(deps: FeedbackDeps) {
  return middy<unknown, FeedbackHandlerResult>().handler(async (event) => {
    const ses = SesEventBridgeEvent.safeParse(event);
    if (ses.success) {
      await handleSesEvent(deps, ses.data);
      return { handled: 1, ignored: 0 };
    }
    const sns = SnsEvent.safeParse(event);
    if (sns.success) {
      let handled = 0;
      let ignored = 0;
      for (const record of sns.data.Records) {
        let json: unknown;
        try {
          json = JSON.parse(record.Sns.Message);
        } catch {
          json = undefined;
        }
        const sms = InboundSms.safeParse(json);
        if (sms.success) {
          await handleInboundSms(deps, sms.data);
          handled++;
        } else {
          deps.logger.warn('provider event ignored', { reason: 'unrecognised_sms' });
          ignored++;
        }
      }
      return { handled, ignored };
    }
    deps.logger.warn('provider event ignored', { reason: 'unrecognised_event' });
    return { handled: 0, ignored: 1 };
  });
}
