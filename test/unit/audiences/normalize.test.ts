import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIENCE_DESTINATIONS,
  type AudienceDestination,
  hasMatchKey,
  IDENTIFIER_FIELDS,
  normalizeField,
  normalizeIdentifiers,
  sha256Hex,
} from '../../../shared/domain/audiences/normalize.js';

const value = (
  destination: AudienceDestination,
  field: Parameters<typeof normalizeField>[1],
  raw: string,
) => {
  const r = normalizeField(destination, field, raw, { country: 'us' });
  if (!r.ok) throw new Error(`expected ${field} '${raw}' to normalise for ${destination}, got ${r.reason}`);
  return r;
};
const reason = (
  destination: AudienceDestination,
  field: Parameters<typeof normalizeField>[1],
  raw: string,
  context = {},
) => {
  const r = normalizeField(destination, field, raw, context);
  return r.ok ? `ok:${r.normalized}` : r.reason;
};

describe('published vectors', () => {
  it('hashes janedoe@gmail.com to the vector TikTok publishes, for every destination', () => {
    for (const d of ['meta', 'google', 'tiktok', 'linkedin', 's3'] as const) {
      expect(value(d, 'email', ' JaneDoe@Gmail.com ').value).toBe(
        'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69',
      );
    }
  });

  it('hashes the phone 374-93-828222 to TikTok’s vector, which Meta’s digits-only rule shares', () => {
    const vector = '65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4';
    expect(value('tiktok', 'phone', '374-93-828222').value).toBe(vector);
    expect(value('meta', 'phone', '+374 93 828222').value).toBe(vector);
    expect(value('meta', 'phone', '0037493828222').normalized).toBe('37493828222');
  });

  it('gives Google the E.164 form with its plus sign, so its hash differs from Meta’s', () => {
    const google = value('google', 'phone', '374-93-828222');
    expect(google.normalized).toBe('+37493828222');
    expect(google.value).toBe(sha256Hex('+37493828222'));
    expect(value('google', 'phone', '1 (800) 555-0100').normalized).toBe('+18005550100');
  });
});

describe('email', () => {
  it('drops dots and a +suffix before the @ of gmail.com and googlemail.com for Google only', () => {
    expect(value('google', 'email', 'cloudy.sanfrancisco+shopping@gmail.com').normalized).toBe(
      'cloudysanfrancisco@gmail.com',
    );
    expect(value('google', 'email', 'Jane.Doe@googlemail.com').normalized).toBe('janedoe@googlemail.com');
    expect(value('meta', 'email', 'Jane.Doe+ads@gmail.com').normalized).toBe('jane.doe+ads@gmail.com');
    expect(value('linkedin', 'email', 'Jane.Doe@gmail.com').normalized).toBe('jane.doe@gmail.com');
  });

  it('keeps dots and plus signs of other domains for Google', () => {
    expect(value('google', 'email', 'user.name+NYC@Example.com').normalized).toBe(
      'user.name+nyc@example.com',
    );
  });

  it('drops a +suffix for TikTok on every domain, as its customer-file rule says, but keeps dots', () => {
    expect(value('tiktok', 'email', 'Jane.Doe+news@outlook.com').normalized).toBe('jane.doe@outlook.com');
  });

  it('removes inner whitespace for Google and refuses it elsewhere', () => {
    expect(value('google', 'email', 'jane doe@example.com').normalized).toBe('janedoe@example.com');
    expect(reason('meta', 'email', 'jane doe@example.com')).toBe('invalid_email');
  });

  it('refuses what is not an address', () => {
    for (const bad of ['jane', '@example.com', 'jane@', 'jane@example', '.jane@example.com', '+x@gmail.com'])
      expect([bad, reason('google', 'email', bad)]).toEqual([bad, 'invalid_email']);
    expect(reason('meta', 'email', '   ')).toBe('empty');
  });
});

describe('phone', () => {
  it('keeps international numbers of any length E.164 allows', () => {
    expect(value('meta', 'phone', '+44 20 7183 8750').normalized).toBe('442071838750');
    expect(value('google', 'phone', '+55 11 5525-6325').normalized).toBe('+551155256325');
    expect(value('tiktok', 'phone', '1 (657) 777-0000').normalized).toBe('16577770000');
  });

  it('refuses a national number with a trunk 0 rather than guessing its country code', () => {
    expect(reason('meta', 'phone', '06 12 34 56 78')).toBe('phone_without_country_code');
    expect(reason('google', 'phone', '+33 6 12 34 56 78')).toBe('ok:+33612345678');
  });

  it('refuses numbers too short or too long for E.164, and LinkedIn takes no phones', () => {
    expect(reason('meta', 'phone', '+1 555')).toBe('invalid_phone');
    expect(reason('meta', 'phone', '+1234567890123456')).toBe('invalid_phone');
    expect(reason('linkedin', 'phone', '+37493828222')).toBe('not_accepted');
  });
});

describe('names and places', () => {
  it('lowercases names and removes punctuation, keeping Unicode letters', () => {
    expect(value('meta', 'firstName', 'José').normalized).toBe('josé');
    expect(value('meta', 'lastName', "O'Brien-Smith").normalized).toBe('obriensmith');
    expect(value('meta', 'lastName', 'Müller').normalized).toBe('müller');
    expect(value('google', 'firstName', 'Ελένη').normalized).toBe('ελένη');
    expect(value('meta', 'firstName', '明美').normalized).toBe('明美');
  });

  it('hashes a decomposed accent like the precomposed one (NFC)', () => {
    expect(value('meta', 'firstName', 'Jose\u0301').value).toBe(
      value('meta', 'firstName', 'Jos\u00e9').value,
    );
  });

  it('drops prefixes and suffixes for Google only', () => {
    expect(value('google', 'firstName', 'Mrs. Jane').normalized).toBe('jane');
    expect(value('google', 'lastName', 'Doe Jr.').normalized).toBe('doe');
    expect(value('meta', 'lastName', 'Doe Jr.').normalized).toBe('doe jr');
  });

  it('refuses names for TikTok and LinkedIn, which match on none', () => {
    expect(reason('tiktok', 'firstName', 'Jane')).toBe('not_accepted');
    expect(reason('linkedin', 'lastName', 'Doe')).toBe('not_accepted');
    expect(reason('meta', 'firstName', '...')).toBe('invalid_name');
  });

  it('maps US states to their 2-letter code and strips other states', () => {
    expect(value('meta', 'state', 'Texas').normalized).toBe('tx');
    expect(value('meta', 'state', 'New York').normalized).toBe('ny');
    expect(value('meta', 'state', 'CA').normalized).toBe('ca');
    expect(reason('meta', 'state', 'Narnia', { country: 'us' })).toBe('invalid_state');
    expect(reason('meta', 'state', 'Île-de-France', { country: 'fr' })).toBe('ok:îledefrance');
    expect(reason('google', 'state', 'Texas')).toBe('not_accepted');
  });

  it('writes cities as letters only', () => {
    expect(value('meta', 'city', 'San Francisco').normalized).toBe('sanfrancisco');
    expect(value('meta', 'city', 'St. Louis 2').normalized).toBe('stlouis');
  });

  it('keeps the zip before any extension, and Google’s unhashed', () => {
    expect(value('meta', 'zip', '94107-1234').normalized).toBe('94107');
    expect(value('meta', 'zip', '941071234').normalized).toBe('94107');
    const google = value('google', 'zip', ' 94107-1234 ');
    expect(google).toMatchObject({ normalized: '94107', value: '94107', hashed: false });
    expect(reason('google', 'zip', '100-0001', { country: 'jp' })).toBe('ok:100-0001');
    expect(reason('meta', 'zip', 'SW1A 1AA', { country: 'gb' })).toBe('ok:sw1a1aa');
    expect(reason('meta', 'zip', '9410', { country: 'us' })).toBe('invalid_zip');
  });

  it('writes countries as ISO alpha-2: hashed lowercase for Meta, unhashed upper case for Google', () => {
    expect(value('meta', 'country', ' US ')).toMatchObject({ normalized: 'us', value: sha256Hex('us') });
    expect(value('google', 'country', 'am')).toMatchObject({ normalized: 'AM', hashed: false });
    expect(reason('meta', 'country', 'UK')).toBe('invalid_country');
    expect(reason('meta', 'country', 'United States')).toBe('invalid_country');
  });
});

describe('ids', () => {
  const idfa = 'AECE52E7-03EE-455A-B3C4-E57283966239';

  it('sends Meta’s EXTERN_ID and MADID unhashed, and hashes them for the S3 export', () => {
    expect(value('meta', 'externId', ' k1.abc ')).toMatchObject({ value: 'k1.abc', hashed: false });
    expect(reason('meta', 'externId', 'two words')).toBe('invalid_extern_id');
    expect(value('meta', 'madid', idfa)).toMatchObject({ value: idfa.toLowerCase(), hashed: false });
    expect(value('s3', 'madid', idfa).value).toBe(sha256Hex(idfa.toLowerCase()));
  });

  it('needs the kind of a mobile id for TikTok and takes only AAIDs for LinkedIn', () => {
    expect(reason('tiktok', 'madid', idfa)).toBe('madid_type_unknown');
    expect(normalizeField('tiktok', 'madid', idfa, { madidType: 'idfa' })).toMatchObject({ hashed: true });
    expect(reason('linkedin', 'madid', idfa, { madidType: 'idfa' })).toBe('not_accepted');
    expect(reason('meta', 'madid', '00000000-0000-0000-0000-000000000000')).toBe('invalid_madid');
  });
});

describe('normalizeIdentifiers', () => {
  it('says per field what is sent and why the rest is not', () => {
    const n = normalizeIdentifiers('google', {
      email: 'Jane.Doe@gmail.com',
      phone: '06 12 34 56 78',
      firstName: 'Jane',
      lastName: 'Doe',
      zip: '94107',
      country: 'us',
      city: 'San Francisco',
    });
    expect(Object.keys(n.fields).sort()).toEqual(['country', 'email', 'firstName', 'lastName', 'zip']);
    expect(n.invalid).toEqual({ phone: 'phone_without_country_code', city: 'not_accepted' });
    expect(hasMatchKey(n)).toBe(true);
  });

  it('has no match key for a name without a place', () => {
    expect(hasMatchKey(normalizeIdentifiers('meta', { firstName: 'Jane', lastName: 'Doe' }))).toBe(false);
    expect(
      hasMatchKey(normalizeIdentifiers('meta', { firstName: 'Jane', lastName: 'Doe', zip: '94107' })),
    ).toBe(true);
  });
});

describe('properties', () => {
  const destination = fc.constantFrom(...AUDIENCE_DESTINATIONS);
  const field = fc.constantFrom(...IDENTIFIER_FIELDS);
  const raw = fc.oneof(
    fc.string(),
    fc.emailAddress(),
    fc.stringMatching(/^\+?[0-9 ()-]{6,20}$/),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.constantFrom(
      'Texas',
      'US',
      'fr',
      '94107-1234',
      'Mrs. Zoë',
      'Jose\u0301',
      'Doe Jr.',
      'x.y+z@gmail.com',
    ),
  );

  it('hashes to 64 lowercase hex and normalises idempotently', () => {
    fc.assert(
      fc.property(destination, field, raw, fc.constantFrom(undefined, 'us', 'jp'), (d, f, r, country) => {
        const context = { madidType: 'aaid' as const, ...(country ? { country } : {}) };
        const first = normalizeField(d, f, r, context);
        if (!first.ok) return;
        if (first.hashed) expect(first.value).toMatch(/^[0-9a-f]{64}$/);
        const again = normalizeField(d, f, first.normalized, context);
        expect(again).toEqual(first);
      }),
      { numRuns: 2000 },
    );
  });
});
