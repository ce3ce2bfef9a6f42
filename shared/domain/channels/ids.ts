/** Message ids that sort by creation time (newest-first inbox pages come straight from the key order). */
import { randomBytes } from 'node:crypto';

/** `<11 base-36 chars of epoch ms><16 hex random>`: lexicographic order = creation order. */
export function timeSortableId(now: Date = new Date()): string {
  return `${now.getTime().toString(36).padStart(11, '0')}${randomBytes(8).toString('hex')}`;
}
