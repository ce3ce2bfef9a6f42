/**
 * `GET /admin/overview` and the settings routes (`/admin/sources`, `/admin/console-users`): what
 * the console's Overview and Settings pages receive. Types only, plus the one body schema, so the
 * console imports them without server code.
 */
import * as z from 'zod/mini';

/** Where an alert is fixed: the console page that acts on it. */
export type AlertPage = 'content' | 'experiments' | 'models' | 'data-quality' | 'journeys';

export interface OverviewAlert {
  /** `missing_content`, `sample_ratio_mismatch`, `model_drift`, `stale_source`, `quarantine_growth`. */
  readonly kind: string;
  readonly severity: 'warning' | 'critical';
  /** One sentence, no personal data. */
  readonly message: string;
  /** The page that fixes it, with what to look at (`/content?intent=…`). */
  readonly page: AlertPage;
  readonly href: string;
  readonly journey?: string;
  readonly step?: string;
}

export interface Overview {
  readonly generatedAt: string;
  readonly northStar: {
    readonly metric: string;
    readonly value: number;
    readonly detail: string;
    /** The value at the end of each day (oldest first), for the trend chart. */
    readonly trend: readonly { readonly day: string; readonly value: number }[];
  };
  /** Accepted events per day, the last 30 days (oldest first; days without events are 0). */
  readonly eventsPerDay: readonly { readonly day: string; readonly count: number }[];
  /** The last 7 days of message outcomes. */
  readonly messages: {
    readonly days: number;
    readonly sentByChannel: Readonly<Record<string, number>>;
    readonly skippedByReason: Readonly<Record<string, number>>;
    readonly failedByReason: Readonly<Record<string, number>>;
    /**
     * Sends whose outcome was unknown (a provider timeout, an invocation that died mid-send),
     * reconciled by policy: `resent` transactional messages sent again, `unknown` marketing
     * messages not sent again (they may or may not have arrived). docs/channels.md#send-reconciliation.
     */
    readonly reconciled: { readonly resent: number; readonly unknown: number };
  };
  readonly journeys: readonly {
    readonly journey: string;
    readonly name: string;
    readonly running: number;
    /** More are running than were counted. */
    readonly capped: boolean;
  }[];
  readonly alerts: readonly OverviewAlert[];
}

/** A source as the settings page lists it (never its key). */
export interface SourceRow {
  readonly name: string;
  readonly sourceId: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly lastReceivedAt?: string;
}

/** A source name: lower-case slug, 1–63 characters, starting with a letter. */
export const SourceName = z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes, starting with a letter'),
  );

/** Body of `POST /admin/sources`: the new source's name. */
export const CreateSourceBody = z.object({ name: SourceName });
export type CreateSourceBody = z.infer<typeof CreateSourceBody>;

/** `GET /admin/console-users`: local users, or how to manage Cognito users in AWS. */
export type ConsoleUsers =
  | {
      readonly kind: 'local';
      readonly users: readonly { readonly name: string; readonly roles: readonly string[] }[];
      readonly note: string;
    }
  | {
      readonly kind: 'cognito';
      readonly userPoolId?: string;
      /** The pool's users in role groups (absent when the pool could not be read). */
      readonly users?: readonly {
        readonly name: string;
        readonly roles: readonly string[];
        readonly status?: string;
        readonly enabled?: boolean;
      }[];
      readonly note: string;
      readonly commands: readonly string[];
    };
