/** Shared test helpers: the CDNOW reference file, resolved from this file's location. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The CDNOW sample, kept in the repository with its citation (test/fixtures/cdnow/README.md). */
export const CDNOW_CSV = join(repoRoot, 'test', 'fixtures', 'cdnow', 'cdnow_sample_transactions.csv');

export const readCdnow = (): string => readFileSync(CDNOW_CSV, 'utf8');

/** |actual − expected| / |expected|. */
export const relativeError = (actual: number, expected: number): number =>
  Math.abs(actual - expected) / Math.abs(expected);
