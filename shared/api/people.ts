/**
 * `GET /admin/profiles/{profileId}/activity`: what Feltfit did with a person — every message
 * decided for them (sent, or skipped with its reason), the journeys they are in and the step each is
 * at, their experiment assignments, their scores with explanations, and their consent history.
 */

/** One message decision for a person. */
export interface PersonMessage {
  readonly at: string;
  readonly channel: string;
  readonly journey?: string;
  readonly step?: string;
  readonly executionId?: string;
  readonly intent?: string;
  readonly variantId?: string;
  /** `sent`, `skipped`, `failed`, or a delivery state reported later (delivered, bounced, …). */
  readonly status: string;
  /** Why it was skipped: the send rule's reason code (consent, suppressed, cap, quiet_hours, no_approved_variant, …). */
  readonly reason?: string;
}

/** A journey execution of the person. */
export interface PersonJourney {
  readonly journey: string;
  readonly executionId: string;
  readonly status: string;
  readonly startedAt?: string;
  /** The state the execution is in now, when it runs. */
  readonly step?: string;
}

export interface PersonAssignment {
  readonly experiment: string;
  readonly arm: string;
  readonly at?: string;
}

export interface PersonScore {
  readonly name: string;
  readonly value: number | string;
  readonly modelVersion?: string;
  readonly scoredAt?: string;
  /** The top reasons the model gives, in words (feature and its contribution). */
  readonly explanation?: readonly string[];
}

export interface ConsentChange {
  /** `<channel>:<purpose>`, e.g. `email:marketing`. */
  readonly key: string;
  readonly granted: boolean;
  readonly source: string;
  readonly at: string;
}

export interface PersonActivity {
  readonly profileId: string;
  readonly messages: readonly PersonMessage[];
  readonly journeys: readonly PersonJourney[];
  readonly assignments: readonly PersonAssignment[];
  readonly scores: readonly PersonScore[];
  readonly consentHistory: readonly ConsentChange[];
}
