/**
 * Who may do what in the admin API. The console's users carry Cognito groups (admin, marketer,
 * reviewer, viewer); the CLI's IAM principals are operators, whose reach IAM policy already bounds.
 * Handlers check an action, never a role, so a new role is one line here.
 */
import * as z from 'zod';

export const Role = z.enum(['admin', 'marketer', 'reviewer', 'viewer']);
export type Role = z.infer<typeof Role>;

/** What a route does, as far as permission goes. */
export const Action = z.enum(['read', 'launch', 'review', 'erase', 'manageKeys']);
export type Action = z.infer<typeof Action>;

const GRANTS: Readonly<Record<Role, readonly Action[]>> = {
  admin: ['read', 'launch', 'review', 'erase', 'manageKeys'],
  marketer: ['read', 'launch'],
  reviewer: ['read', 'review'],
  viewer: ['read'],
};

/** The actions a set of roles allows (the union of their grants). */
export function actionsOf(roles: readonly Role[]): Action[] {
  const allowed = new Set<Action>();
  for (const r of roles) for (const a of GRANTS[r]) allowed.add(a);
  return Action.options.filter((a) => allowed.has(a));
}

/** The caller of an admin route, as the handler sees it. */
export interface Caller {
  /** `iam` for SigV4 callers (CLI), `user` for console users (Cognito, or a local console user). */
  readonly kind: 'iam' | 'user';
  /** A stable, non-personal name for the audit trail (IAM ARN, Cognito username or local user). */
  readonly id: string;
  readonly roles: readonly Role[];
  readonly actions: readonly Action[];
}
