import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import { applyEvent, emptyState, mergeProfiles, ORDER_LIMIT } from '../../../shared/domain/profiles/state.js';
import { at, track } from './support.js';

const orders = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    track('Order Completed', { order_id: `o${from + i}`, revenue: 10 }, { timestamp: at(from + i) }),
  );

describe('profile item bounds', () => {
  it('keeps the most recent orders only, whatever the order they arrive in', () => {
    const all = orders(0, ORDER_LIMIT + 5);
    const forward = all.reduce((s, e) => applyEvent(s, e, config).profile, emptyState());
    const backward = [...all].reverse().reduce((s, e) => applyEvent(s, e, config).profile, emptyState());
    expect(Object.keys(forward.orders)).toHaveLength(ORDER_LIMIT);
    expect(forward.orders.o0).toBeUndefined();
    expect(forward.orders[`o${ORDER_LIMIT + 4}`]).toBeDefined();
    expect(backward).toEqual(forward);
    const half = (list: typeof all) => list.reduce((s, e) => applyEvent(s, e, config).profile, emptyState());
    expect(mergeProfiles(half(all.slice(0, 50)), half(all.slice(50)), config)).toEqual(forward);
  });
});
