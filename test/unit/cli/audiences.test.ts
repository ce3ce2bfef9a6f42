import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Io, run } from '../../../infra/cli/commands/audiences.js';

// The platforms' published vectors (docs/audiences.md): TikTok's, shared by Meta's digits-only phone.
const JANE = 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69';
const PHONE_DIGITS = '65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4';

async function normalize(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    stdin: Readable.from([stdin]),
  };
  const code = await run(['normalize', ...args], io);
  return {
    code,
    lines: out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    err,
  };
}

describe('feltfit audiences normalize', () => {
  it("writes each field's normalised value and hash by the destination's rule", async () => {
    const line =
      '{"email":" JaneDoe@Gmail.com ","phone":"374-93-828222","zip":"94043-1351","country":"US"}\n';
    const meta = await normalize(['--destination', 'meta'], line);
    expect(meta).toMatchObject({ code: 0, err: '' });
    expect(meta.lines).toEqual([
      {
        line: 1,
        email: { normalized: 'janedoe@gmail.com', sha256: JANE },
        phone: { normalized: '37493828222', sha256: PHONE_DIGITS },
        zip: { normalized: '94043', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        country: { normalized: 'us', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      },
    ]);
    // Google: E.164 with '+', a different hash; postal and region codes go unhashed.
    const google = await normalize(['--destination', 'google'], line);
    expect(google.lines[0]).toMatchObject({
      email: { sha256: JANE },
      phone: { normalized: '+37493828222' },
      zip: { normalized: '94043', unhashed: true },
      country: { normalized: 'US', unhashed: true },
    });
    expect(google.lines[0].phone.sha256).not.toBe(PHONE_DIGITS);
    // LinkedIn matches on none of these but the email.
    const linkedin = await normalize(['--destination', 'linkedin'], line);
    expect(linkedin.lines[0]).toMatchObject({ email: { sha256: JANE }, phone: { invalid: 'not_accepted' } });
  });

  it('takes a phone or zip given as a JSON number, and says why a field is refused', async () => {
    const { code, lines } = await normalize(
      ['--destination', 'tiktok'],
      '{"phone":37493828222,"email":"no-at-sign","first_name":"Jane"}\n',
    );
    expect(code).toBe(0);
    expect(lines).toEqual([
      {
        line: 1,
        email: { invalid: 'invalid_email' },
        phone: { normalized: '37493828222', sha256: PHONE_DIGITS },
        first_name: { invalid: 'not_accepted' },
      },
    ]);
  });

  it('reports a bad line on stderr with its number, writes the rest, and exits 1', async () => {
    const input = [
      '{"email":"JaneDoe@Gmail.com"}',
      'not json',
      '',
      '["an","array"]',
      '{"emial":"x@y.z"}',
      '{"zip":{"code":1}}',
      '{"madid":"6d92078a-8246-4ba4-ae5b-76104861e7dc","madid_type":"gaid"}',
      '{"email":"b@example.com"}',
    ].join('\n');
    const { code, lines, err } = await normalize(['--destination', 'meta'], input);
    expect(code).toBe(1);
    expect(lines.map((l) => l.line)).toEqual([1, 8]);
    expect(err.split('\n').filter(Boolean)).toEqual([
      'feltfit audiences normalize: line 2: not JSON',
      'feltfit audiences normalize: line 4: not a JSON object',
      expect.stringMatching(
        /^feltfit audiences normalize: line 5: unknown field 'emial' \(fields: email, phone,/,
      ),
      "feltfit audiences normalize: line 6: 'zip' must be a string",
      "feltfit audiences normalize: line 7: 'madid_type' must be idfa or aaid",
      'feltfit audiences normalize: 5 of 8 lines failed',
    ]);
  });

  it('reads FILE instead of stdin: the example file passes for every destination', async () => {
    for (const destination of ['meta', 'google', 'tiktok', 'linkedin']) {
      const r = await normalize(['--destination', destination, 'examples/audience-identifiers.jsonl']);
      expect(r, destination).toMatchObject({ code: 0, err: '' });
      expect(r.lines.map((l) => l.line)).toEqual([1, 2, 3]);
      expect(r.lines[0].email.sha256, destination).toBe(JANE);
    }
  });

  it('exits 2 without a known --destination or with a file it cannot read', async () => {
    expect(await normalize([])).toMatchObject({
      code: 2,
      err: 'feltfit audiences normalize: needs --destination (meta, google, tiktok, linkedin) (see feltfit audiences normalize --help)\n',
    });
    expect((await normalize(['--destination', 'myspace'])).err).toContain("unknown destination 'myspace'");
    expect(await normalize(['--destination', 'meta', 'no-such-file.jsonl'])).toMatchObject({
      code: 2,
      err: 'feltfit audiences normalize: cannot read no-such-file.jsonl (see feltfit audiences normalize --help)\n',
    });
  });
});
