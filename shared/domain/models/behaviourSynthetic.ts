/**
 * Seeded generator of realistic behavioural histories for the propensity model. Each profile has a
 * persistent taste for the shop (u), a slowly drifting current interest (an AR(1) with a ~3-week
 * half-life), an email affinity and a typical basket size. Daily:
 * - views ~ Poisson(e^(−1.4 + u + s_t)); each view adds to cart with probability 0.06·e^(0.3 s_t);
 * - purchase with probability σ(−5.4 + 0.9(u + s_t) + 1.4·[cart open] + 0.35·ln(1 + views today)
 *   − 0.9·[ticket open] + 0.6·email affinity);
 * - a weekly email; opens and clicks depend on the email affinity and current interest;
 * - support tickets open mostly in the days after a purchase and stay open for a few days.
 * Purchases therefore depend on recent views, the cart, tickets and engagement, not only on recency.
 */

import { createRng } from '../random.js';
import type { BehaviourEvent } from './propensity.js';

export interface SyntheticBehaviourOptions {
  profiles: number;
  days: number;
  /** Epoch ms of day 0 (default 2024-01-01T00:00Z). */
  start?: number;
  seed?: number;
}

const DAY = 86_400_000;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Simulates `profiles` histories over `days` days; events are returned in time order per profile. */
export function generateBehaviour(options: SyntheticBehaviourOptions): BehaviourEvent[] {
  const rng = createRng(options.seed ?? 3);
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const events: BehaviourEvent[] = [];
  const rho = 0.967; // daily AR(1) coefficient: half-life ln 0.5 / ln 0.967 ≈ 21 days
  const sigma = 0.8;
  for (let p = 0; p < options.profiles; p++) {
    const profileId = `p${p + 1}`;
    const u = rng.normal() * 0.8;
    const emailAffinity = rng.normal();
    const basket = Math.exp(3.5 + 0.5 * rng.normal());
    let s = rng.normal() * sigma;
    let cart = 0;
    let ticketOpenUntil = -1;
    const at = (day: number): number => start + day * DAY + Math.floor(rng.next() * DAY);
    for (let day = 0; day < options.days; day++) {
      s = rho * s + Math.sqrt(1 - rho * rho) * sigma * rng.normal();
      const interest = u + s;
      const views = rng.poisson(Math.exp(-1.4 + interest));
      for (let v = 0; v < views; v++) {
        events.push({ profileId, type: 'view', at: at(day) });
        if (rng.bernoulli(0.06 * Math.exp(0.3 * s))) {
          const value = Math.round(basket * Math.exp(0.4 * rng.normal()) * 100) / 100;
          cart += value;
          events.push({ profileId, type: 'add_to_cart', at: at(day), value });
        }
      }
      if (day % 7 === p % 7) {
        events.push({ profileId, type: 'email_sent', at: start + day * DAY + 9 * 3_600_000 });
        if (rng.bernoulli(sigmoid(-1 + 1.2 * emailAffinity + 0.4 * s))) {
          events.push({ profileId, type: 'email_open', at: start + day * DAY + 10 * 3_600_000 });
          if (rng.bernoulli(sigmoid(-1.5 + 0.8 * emailAffinity + 0.4 * s))) {
            events.push({ profileId, type: 'email_click', at: start + day * DAY + 10 * 3_600_000 + 60_000 });
          }
        }
      }
      const ticketOpen = day <= ticketOpenUntil;
      const z =
        -5.4 +
        0.9 * interest +
        1.4 * (cart > 0 ? 1 : 0) +
        0.35 * Math.log1p(views) -
        0.9 * (ticketOpen ? 1 : 0) +
        0.6 * emailAffinity;
      if (rng.bernoulli(sigmoid(z))) {
        const value = cart > 0 ? cart : Math.round(basket * Math.exp(0.4 * rng.normal()) * 100) / 100;
        events.push({ profileId, type: 'purchase', at: at(day), value });
        cart = 0;
        if (!ticketOpen && rng.bernoulli(0.12)) {
          const opened = day + 1 + rng.int(5);
          ticketOpenUntil = opened + 1 + rng.int(10);
          if (opened < options.days)
            events.push({ profileId, type: 'ticket_opened', at: start + opened * DAY });
          if (ticketOpenUntil < options.days) {
            events.push({ profileId, type: 'ticket_closed', at: start + ticketOpenUntil * DAY });
          }
        }
      } else if (cart > 0 && rng.bernoulli(0.04)) {
        cart = 0; // abandoned cart expires
      }
    }
  }
  return events;
}
