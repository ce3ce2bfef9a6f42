/**
 * What Feltfit did with one person, for the console's person page (`GET
 * /admin/profiles/{profileId}/activity`): every message decided for them (the per-person message log:
 * sent, skipped with the rule's reason, failed), the journeys they entered with the step each
 * execution is at, their experiment assignments, their scores explained, and their consent history.
 * Each part comes from one keyed read; nothing here scans a table.
 */
import type {
  ConsentChange,
  PersonActivity,
  PersonAssignment,
  PersonJourney,
  PersonScore,
} from '../../api/people.js';
import type { ExecutionReader, PersonMessageLog } from '../../ports/activity.js';
import type { PersonDirectory } from '../../ports/privacy.js';
import type { StoredScores } from '../../ports/profiles.js';
import { NotFoundError } from '../errors.js';
import type { Exposure } from '../measurement/conversions.js';
import { featuresOf, type ProfileFeatures } from '../profiles/features.js';

export interface PersonActivityDeps {
  readonly directory: Pick<PersonDirectory, 'getLiveProfile' | 'listProfileItems'>;
  readonly messages: PersonMessageLog;
  /** The person's journey entries (measurement's exposure index, `EXPOSURE#<profileId>`). */
  readonly exposures: { forProfile(profileId: string, since: string): Promise<Exposure[]> };
  readonly executions: Pick<ExecutionReader, 'describe'>;
  /** Most messages and journeys shown (newest first); default 100 and 25. */
  readonly messageLimit?: number;
  readonly journeyLimit?: number;
}

/** Which model produces a score (the registry's model names, as `modelVersions` keys them). */
const MODEL_OF: Readonly<Record<string, string>> = {
  probabilityAlive: 'clv',
  churnRisk: 'clv',
  expectedPurchases90d: 'clv',
  clv12m: 'clv',
  propensity30d: 'propensity',
};

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/** The inputs behind a score, in words: what the model read from the person's history. */
function drivers(name: string, features: Partial<ProfileFeatures> | undefined): string[] {
  const p = features?.purchases;
  if (!p) return [];
  if (MODEL_OF[name] === 'clv') {
    if (p.orderCount === 0) return ['no purchases yet'];
    return [
      `${p.distinctPurchaseDays} purchase day${p.distinctPurchaseDays === 1 ? '' : 's'}` +
        (p.lastPurchaseDay ? `, last on ${p.lastPurchaseDay}` : ''),
      `average order ${round(p.averageOrderValue, 2)}`,
    ];
  }
  if (name === 'propensity30d') {
    const seen = features?.lastSeenAt ? `last seen ${features.lastSeenAt.slice(0, 10)}` : 'never seen';
    return [`${p.orderCount} order${p.orderCount === 1 ? '' : 's'}`, seen];
  }
  return [];
}

/** The stored scores as the person page lists them: value, band, model version and why. */
export function explainScores(
  scores: StoredScores | undefined,
  features: Partial<ProfileFeatures> | undefined,
): PersonScore[] {
  if (!scores) return [];
  return Object.entries(scores.values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => {
      const model = MODEL_OF[name];
      const version = model ? scores.modelVersions[model as keyof typeof scores.modelVersions] : undefined;
      const band = scores.bands[name];
      const explanation = [
        ...(band ? [`${band} band`] : []),
        ...(model ? [`${model} model${version ? ` ${version}` : ''}`] : []),
        ...drivers(name, features),
      ];
      return {
        name,
        value: round(value, 4),
        scoredAt: scores.at,
        ...(model && version ? { modelVersion: `${model}@${version}` } : {}),
        ...(explanation.length ? { explanation } : {}),
      };
    });
}

/** Consent records (`CONSENT#<ts>#<messageId>` items under the profile), oldest first. */
export function consentHistoryOf(items: readonly Readonly<Record<string, unknown>>[]): ConsentChange[] {
  const out: ConsentChange[] = [];
  for (const item of items) {
    if (typeof item.sk !== 'string' || !item.sk.startsWith('CONSENT#')) continue;
    const at = typeof item.at === 'string' ? item.at : '';
    for (const c of Array.isArray(item.changes) ? item.changes : []) {
      const change = c as { channel?: unknown; purpose?: unknown; granted?: unknown; source?: unknown };
      if (typeof change.channel !== 'string' || typeof change.purpose !== 'string') continue;
      out.push({
        key: `${change.channel}:${change.purpose}`,
        granted: change.granted === true,
        source: typeof change.source === 'string' ? change.source : 'unknown',
        at,
      });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
}

/** The person's activity. Throws NotFoundError('profile_not_found') for an unknown or erased id. */
export async function personActivity(deps: PersonActivityDeps, profileId: string): Promise<PersonActivity> {
  const profile = await deps.directory.getLiveProfile(profileId);
  if (!profile) throw new NotFoundError('profile_not_found', 'no such profile');
  const id = profile.profileId;
  const [items, messages, exposures] = await Promise.all([
    deps.directory.listProfileItems(id),
    deps.messages.listByPerson(id, deps.messageLimit ?? 100),
    deps.exposures.forProfile(id, '1970-01-01T00:00:00.000Z'),
  ]);
  const recent = [...exposures].sort((a, b) => b.at.localeCompare(a.at)).slice(0, deps.journeyLimit ?? 25);
  const journeys: PersonJourney[] = await Promise.all(
    recent.map(async (e): Promise<PersonJourney> => {
      // The global control group is recorded, never started: there is no execution to ask about.
      if (e.arm === 'control') {
        return {
          journey: e.journey,
          executionId: e.executionName,
          status: 'not started (control)',
          startedAt: e.at,
        };
      }
      const state = await deps.executions.describe(e.journey, e.executionName);
      return {
        journey: e.journey,
        executionId: e.executionName,
        status: state?.status.toLowerCase() ?? 'unknown',
        startedAt: state?.startedAt ?? e.at,
        ...(state?.step ? { step: state.step } : {}),
      };
    }),
  );
  const assignments: PersonAssignment[] = recent
    .filter((e) => e.experiment !== null || e.arm === 'control' || e.arm === 'holdout')
    .map((e) => ({ experiment: e.experiment ?? `${e.journey} (global control)`, arm: e.arm, at: e.at }));
  return {
    profileId: id,
    messages: [...messages].sort((a, b) => b.at.localeCompare(a.at)),
    journeys,
    assignments,
    scores: explainScores(profile.scores, featuresOf(profile.state)),
    consentHistory: consentHistoryOf(items),
  };
}
