/** In-memory fakes of the journeys ports, and builders for test inputs. */
import type { ArmStats } from '../../../shared/domain/experiments/bandit.js';
import type { JourneyDefinitionInput } from '../../../shared/domain/journeys/definition.js';
import type { BusEvent } from '../../../shared/domain/journeys/triggers.js';
import type {
  ApprovedVariant,
  AssignmentRecord,
  BanditStats,
  DecisionProfile,
  DecisionRecord,
  EventOccurrence,
  EventOccurrences,
  JourneyRunner,
  StartOutcome,
  WaitingToken,
  WaitTokens,
} from '../../../shared/ports/journeys.js';

export class MemoryBandit implements BanditStats {
  readonly arms = new Map<string, { exposures: number; conversions: number }>();
  private arm(journey: string, step: string, variant: string) {
    const k = `${journey}|${step}|${variant}`;
    let a = this.arms.get(k);
    if (!a) {
      a = { exposures: 0, conversions: 0 };
      this.arms.set(k, a);
    }
    return a;
  }
  async get(journey: string, step: string): Promise<Record<string, ArmStats>> {
    const out: Record<string, ArmStats> = {};
    for (const [k, v] of this.arms) {
      const [j, s, variant] = k.split('|');
      if (j === journey && s === step) out[variant!] = { ...v };
    }
    return out;
  }
  async recordExposure(journey: string, step: string, variant: string) {
    this.arm(journey, step, variant).exposures++;
  }
  async recordConversion(journey: string, step: string, variant: string) {
    this.arm(journey, step, variant).conversions++;
  }
}

export class MemoryOccurrences implements EventOccurrences {
  readonly items: EventOccurrence[] = [];
  readonly handled = new Set<string>();
  async record(o: EventOccurrence) {
    if (this.handled.has(`${o.event}#${o.eventId}`)) return 'duplicate' as const;
    if (!this.items.some((i) => i.eventId === o.eventId && i.event === o.event)) this.items.push(o);
    return 'recorded' as const;
  }
  async markHandled(o: EventOccurrence) {
    this.handled.add(`${o.event}#${o.eventId}`);
  }
  async occurredSince(
    profileId: string,
    event: string,
    key: { property: string; value: string } | undefined,
    since: string,
    excludingEventId?: string,
  ) {
    return this.items
      .filter((o) => o.profileId === profileId && o.event === event && Date.parse(o.at) >= Date.parse(since))
      .filter((o) => o.eventId !== excludingEventId)
      .filter((o) => !key || o.keys[key.property] === key.value)
      .sort((a, b) => a.at.localeCompare(b.at))[0];
  }
}

export class MemoryTokens implements WaitTokens {
  readonly items: WaitingToken[] = [];
  async put(t: WaitingToken) {
    this.items.push(t);
  }
  async matching(profileId: string, event: string, keys: Readonly<Record<string, string>>) {
    return this.items.filter(
      (t) =>
        t.profileId === profileId && t.event === event && (!t.key || keys[t.key.property] === t.key.value),
    );
  }
  async waitingFor(profileId: string, event: string) {
    return this.items.filter((t) => t.profileId === profileId && t.event === event);
  }
  async delete(t: WaitingToken) {
    const i = this.items.findIndex(
      (x) => x.profileId === t.profileId && x.executionId === t.executionId && x.step === t.step,
    );
    if (i >= 0) this.items.splice(i, 1);
  }
}

/** A runner that records calls; `startOutcome` and `resumeOutcome` script the answers. */
export class FakeRunner implements JourneyRunner {
  readonly started: { stateMachineArn: string; name: string; input: unknown }[] = [];
  readonly resumed: { token: string; output: unknown }[] = [];
  startOutcome: StartOutcome = { status: 'started', executionArn: 'arn:exec' };
  resumeOutcome: 'resumed' | 'stale' = 'resumed';
  async start(r: { stateMachineArn: string; name: string; input: unknown }) {
    this.started.push(r);
    return this.startOutcome;
  }
  async resume(token: string, output: unknown) {
    this.resumed.push({ token, output });
    return this.resumeOutcome;
  }
  async fail() {
    return 'failed' as const;
  }
}

export class MemoryAssignments {
  readonly items: AssignmentRecord[] = [];
  async record(a: AssignmentRecord) {
    this.items.push(a);
  }
}

export class MemoryDecisions {
  readonly items: DecisionRecord[] = [];
  async record(d: DecisionRecord) {
    this.items.push(d);
  }
  async listByProfile(profileId: string) {
    return this.items.filter((d) => d.profileId === profileId);
  }
}

export function profile(overrides: Partial<DecisionProfile> = {}): DecisionProfile {
  return {
    profileId: 'p-1',
    traits: {},
    features: {},
    scores: { propensity30d: 0.2, clv12m: 300 },
    consent: { email: { marketing: true, transactional: true } },
    timezone: 'Europe/Berlin',
    ...overrides,
  };
}

export function variant(variantId: string): ApprovedVariant {
  return { variantId, status: 'approved', text: `text of ${variantId}`, subject: `subject ${variantId}` };
}

export function busEvent(
  detailType: string,
  detail: Record<string, unknown>,
  overrides: Partial<BusEvent> = {},
): BusEvent {
  return {
    id: 'evt-1',
    source: 'feltfit.profiles',
    'detail-type': detailType,
    time: '2026-03-02T10:00:00Z',
    detail,
    ...overrides,
  };
}

/** A small valid journey to mutate in validation tests. */
export function smallJourney(overrides: Partial<JourneyDefinitionInput> = {}): JourneyDefinitionInput {
  return {
    id: 'small',
    name: 'Small',
    trigger: { kind: 'event', detailType: 'CheckoutStarted' },
    entryKey: 'cartId',
    start: 'wait',
    steps: [
      { id: 'wait', type: 'wait', duration: { hours: 1 }, next: 'remind' },
      { id: 'remind', type: 'send', channel: 'email', content: { intent: 'cart-reminder' }, next: 'done' },
      { id: 'done', type: 'exit', reason: 'completed' },
    ],
    exitOn: [{ event: 'OrderCompleted', keyProperty: 'cartId', conversion: true }],
    ...overrides,
  };
}
