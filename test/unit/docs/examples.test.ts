/** The files in examples/ are what the README and docs say they are, and what their consumers accept. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load.js';
import { Brief } from '../../../shared/domain/content/schemas.js';
import { CampaignRunInput } from '../../../shared/domain/journeys/campaign.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)].map(read).join('\n');

describe('examples/', () => {
  it('holds only files the README or the docs name', () => {
    for (const file of readdirSync(join(ROOT, 'examples'))) expect(docs).toContain(`examples/${file}`);
  });

  it('brief.json is a brief the content schema accepts', () => {
    expect(Brief.safeParse(JSON.parse(read('examples/brief.json'))).success).toBe(true);
  });

  it('run.json is a campaign-run input, the one docs/journeys.md shows', () => {
    const run: unknown = JSON.parse(read('examples/run.json'));
    expect(CampaignRunInput.safeParse(run).success).toBe(true);
    const shown = /```json\n(\{\n {2}"journey": "loyalty-referral"[\s\S]*?\n\})\n```/.exec(
      read('docs/journeys.md'),
    );
    expect(JSON.parse(shown?.[1] ?? 'null')).toEqual(run);
  });

  it('feltfit.json is a configuration cdk synth accepts, over the defaults', () => {
    const config = loadConfig(join(ROOT, 'examples/feltfit.json'));
    expect(config.channels.email.fromAddress).toBe('Loop & Purl <hello@shop.example.com>');
    expect(config.ingest.throttle).toEqual({ rateLimit: 200, burstLimit: 100 });
  });
});
