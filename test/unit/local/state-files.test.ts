import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { readJsonFile, writeJsonAtomic } from '../../../infra/local/state-files.js';

const Shape = z.object({ n: z.number() });

describe('local state files', () => {
  it('replaces a file whole and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-files-'));
    const file = join(dir, 'nested', 'one.json');
    writeJsonAtomic(file, { n: 1 });
    writeJsonAtomic(file, { n: 2 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 2 });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['one.json']);
  });

  it('makes the folder again when it was removed between writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-files-'));
    const file = join(dir, 'gone', 'one.json');
    writeJsonAtomic(file, { n: 1 });
    rmSync(join(dir, 'gone'), { recursive: true });
    writeJsonAtomic(file, { n: 2 });
    expect(readJsonFile(file, Shape)).toEqual({ value: { n: 2 } });
  });

  it('keeps the previous file when a write fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-files-'));
    const file = join(dir, 'one.json');
    writeJsonAtomic(file, { n: 1 });
    expect(() => writeJsonAtomic(file, { n: 10n })).toThrow(/BigInt/);
    expect(readJsonFile(file, Shape)).toEqual({ value: { n: 1 } });
    expect(readdirSync(dir)).toEqual(['one.json']);
  });

  it('tells a missing file from one that is not JSON or not of the expected shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-files-'));
    writeFileSync(join(dir, 'cut.json'), '{"n":');
    writeFileSync(join(dir, 'other.json'), '{"n":"one"}');
    expect(readJsonFile(join(dir, 'missing.json'), Shape)).toBeUndefined();
    expect(readJsonFile(join(dir, 'cut.json'), Shape)).toEqual({
      unreadable: { path: join(dir, 'cut.json'), reason: expect.stringMatching(/^not JSON/) },
    });
    expect(readJsonFile(join(dir, 'other.json'), Shape)).toEqual({
      unreadable: { path: join(dir, 'other.json'), reason: expect.stringMatching(/^unexpected shape at n:/) },
    });
  });
});
