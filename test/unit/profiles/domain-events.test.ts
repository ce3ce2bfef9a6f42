import { describe, expect, it } from 'vitest';
import { defaultProfilesConfig as config } from '../../../shared/config/profiles.js';
import type { NormalisedMessage } from '../../../shared/domain/ingest/schemas.js';
import { domainEventsOf } from '../../../shared/domain/profiles/project.js';
import { applyEvent, emptyState, type ProfileState } from '../../../shared/domain/profiles/state.js';
import { at, track } from './support.js';

const fold = (events: NormalisedMessage[]) =>
  events.reduce((s, e) => applyEvent(s, e, config).profile, emptyState());

/** The domain events projecting `next` onto the state of `history` emits. */
function emitted(history: NormalisedMessage[], next: NormalisedMessage) {
  const before: ProfileState = fold(history);
  const after = applyEvent(before, next, config).profile;
  return domainEventsOf('p-1', before, after, [], next, config);
}

const view = (productId: string, minutes: number) =>
  track('Product Viewed', { product_id: productId }, { timestamp: at(minutes) });

describe('BrowseAbandoned', () => {
  it('is emitted when a product is viewed again within the window and is in no cart', () => {
    const again = view('sku-1', 60);
    expect(emitted([view('sku-1', 0)], again)).toContainEqual({
      type: 'BrowseAbandoned',
      profileId: 'p-1',
      productId: 'sku-1',
      // When the customer did it (to the millisecond), not when the projector published it.
      occurredAt: again.timestamp,
    });
  });

  it('is not emitted for a first view, another product, or a view outside the window', () => {
    const types = (h: NormalisedMessage[], n: NormalisedMessage) => emitted(h, n).map((e) => e.type);
    expect(types([], view('sku-1', 0))).not.toContain('BrowseAbandoned');
    expect(types([view('sku-2', 0)], view('sku-1', 10))).not.toContain('BrowseAbandoned');
    const beyond = (config.browseRepeatHours + 1) * 60;
    expect(types([view('sku-1', 0)], view('sku-1', beyond))).not.toContain('BrowseAbandoned');
  });

  it('is not emitted for an out-of-order (older) view or when the product is in a cart', () => {
    const types = (h: NormalisedMessage[], n: NormalisedMessage) => emitted(h, n).map((e) => e.type);
    expect(types([view('sku-1', 60)], view('sku-1', 0))).not.toContain('BrowseAbandoned');
    const added = track('Product Added', { product_id: 'sku-1', price: 10 }, { timestamp: at(5) });
    expect(types([view('sku-1', 0), added], view('sku-1', 60))).not.toContain('BrowseAbandoned');
    const removed = track('Product Removed', { product_id: 'sku-1' }, { timestamp: at(6) });
    expect(types([view('sku-1', 0), added, removed], view('sku-1', 60))).toContain('BrowseAbandoned');
  });
});

describe('TicketReopened', () => {
  const opened = track('Ticket Opened', { ticket_id: 't-1' }, { timestamp: at(0) });
  const resolved = track('Ticket Resolved', { ticket_id: 't-1' }, { timestamp: at(10) });

  it('is emitted when a resolved ticket is reopened (either event name)', () => {
    for (const event of ['Ticket Reopened', 'Ticket Opened']) {
      const again = track(event, { ticket_id: 't-1' }, { timestamp: at(20) });
      expect(emitted([opened, resolved], again)).toContainEqual({
        type: 'TicketReopened',
        profileId: 'p-1',
        ticketId: 't-1',
        occurredAt: again.timestamp,
      });
    }
  });

  it('is not emitted for a ticket that was never resolved, nor for a late reopen older than the resolution', () => {
    const again = track('Ticket Reopened', { ticket_id: 't-1' }, { timestamp: at(5) });
    expect(emitted([opened], again).map((e) => e.type)).not.toContain('TicketReopened');
    expect(emitted([opened, resolved], again).map((e) => e.type)).not.toContain('TicketReopened');
  });
});
