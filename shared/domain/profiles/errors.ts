/** Errors of the profiles context. */

/** A profile write kept racing with other writers after every retry. */
export class ProfileConflictError extends Error {
  override readonly name = 'ProfileConflictError';
}

/** Domain events could not be published after retries. */
export class DomainEventsPublishError extends Error {
  override readonly name = 'DomainEventsPublishError';
}
