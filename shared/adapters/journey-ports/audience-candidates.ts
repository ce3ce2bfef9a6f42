/**
 * Synced audiences' candidates: pages of live profiles in the decision view campaigns evaluate (journey
 * traits included, contact data never), with the model versions of their scores, their advertising
 * consent and their country — what `evaluate()` reads (shared/domain/audiences/definition.ts).
 */
import { advertisingConsentOf, countryOf } from '../../domain/audiences/candidate.js';
import type { AudienceCandidate } from '../../domain/audiences/definition.js';
import type { AudienceCandidateSource } from '../../ports/audience-definitions.js';
import { type DecisionPageDeps, decisionPage } from './campaign.js';

/** AudienceCandidateSource over a scan of the profiles table. */
export class ProfileAudienceCandidates implements AudienceCandidateSource {
  constructor(private readonly deps: DecisionPageDeps) {}

  async page(limit: number, cursor?: string): Promise<{ candidates: AudienceCandidate[]; cursor?: string }> {
    const page = await decisionPage(this.deps, limit, cursor);
    const candidates = page.profiles.map(({ stored, decision }) => {
      // The declared trait, not a journey trait: the country decides a legal rule.
      const country = countryOf({ country: stored.state.traits.country?.v });
      return {
        profile: decision,
        modelVersions: stored.scores?.modelVersions ?? {},
        consent: advertisingConsentOf(stored.state.consent),
        ...(country ? { country } : {}),
      };
    });
    return { candidates, ...(page.cursor ? { cursor: page.cursor } : {}) };
  }
}
