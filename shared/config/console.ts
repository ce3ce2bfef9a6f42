/**
 * Console configuration: how the marketer console is hosted and how marketers sign in to it in AWS
 * (CloudFront, Cognito managed login). The local runtime ignores it. See docs/console.md.
 */
import * as z from 'zod';

export const ConsoleConfig = z.object({
  /**
   * Prefix of the Cognito managed-login domain (`<prefix>.auth.<region>.amazoncognito.com`). Prefixes
   * are unique per region across all AWS accounts; unset → `feltfit-<account id>`, stable per account.
   */
  domainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
    .refine((p) => !/aws|amazon|cognito/.test(p), 'may not contain "aws", "amazon" or "cognito"')
    .optional(),
  /**
   * Second factor: `optional` lets each user enrol a TOTP authenticator, `required` makes every user
   * enrol one at their first sign-in (recommended once the team has authenticator apps).
   */
  mfa: z.enum(['optional', 'required']).default('optional'),
  /** ARN of an AWS WAF web ACL (scope CLOUDFRONT, in us-east-1) to put in front of the console. */
  webAclArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//)
    .optional(),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
