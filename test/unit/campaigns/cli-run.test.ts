import { describe, expect, it } from 'vitest';
import { run } from '../../../infra/cli/commands/run.js';

/** `feltfit run` with a Step Functions client that records what it is asked. */
async function feltfitRun(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: unknown[] = [];
  const code = await run(args, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {
      FELTFIT_CAMPAIGN_STATE_MACHINE:
        'arn:aws:states:eu-west-1:123456789012:stateMachine:feltfit-campaign-run',
      FELTFIT_JOURNEYS_TABLE: 'journeys',
      FELTFIT_CONTENT_TABLE: 'content',
    },
    sfn: () => ({ send: async (c: unknown) => void sent.push(c) }) as never,
  });
  return { code, out: out.join(''), err: err.join(''), sent };
}

describe('feltfit run', () => {
  it('refuses an unknown journey with exit 2, naming the field, and starts nothing', async () => {
    const r = await feltfitRun('--journey', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^feltfit run: journey: 'nope' is not a deployed campaign journey \(campaign journeys: .*loyalty-referral/,
    );
    expect(r.sent).toEqual([]);
  });

  it('refuses a journey that no campaign triggers, and a zero rate', async () => {
    expect((await feltfitRun('--journey', 'cart-recovery')).err).toMatch(
      /journey: 'cart-recovery' is not a deployed campaign journey/,
    );
    const rate = await feltfitRun('--journey', 'loyalty-referral', '--rate', '0');
    expect(rate).toMatchObject({ code: 2, sent: [] });
    expect(rate.err).toMatch(/ratePerSecond: must be more than 0/);
  });

  it('refuses a local start time without a time zone', async () => {
    const r = await feltfitRun('--journey', 'loyalty-referral', '--start', '2030-01-01T09:00');
    expect(r).toMatchObject({ code: 2, sent: [] });
    expect(r.err).toMatch(/timeZone: a local start time needs a time zone/);
  });

  it("says in one line that the docs' placeholder ARN is a placeholder, before any AWS call", async () => {
    const r = await feltfitRun(
      '--journey',
      'loyalty-referral',
      '--state-machine',
      'arn:aws:states:…:stateMachine:feltfit-campaign-run',
    );
    expect(r).toMatchObject({ code: 2, sent: [] });
    expect(r.err).toBe(
      "feltfit run: --state-machine 'arn:aws:states:…:stateMachine:feltfit-campaign-run' looks like a placeholder: use the ARN from your stack's outputs (aws cloudformation describe-stacks --stack-name Feltfit)\n",
    );
  });

  it('refuses an unknown option in one line that names the help', async () => {
    const r = await feltfitRun('--journey', 'loyalty-referral', '--rats', '5');
    expect(r).toMatchObject({
      code: 2,
      sent: [],
      err: 'feltfit run: unknown option --rats (see feltfit run --help)\n',
    });
  });
});
