/** Named errors of the content context. */
import { ClientError, DependencyUnavailableError } from '../errors.js';

/** The run's or the month's token budget is used up; generation is refused (no model call made). */
export class TokenBudgetExhaustedError extends ClientError {
  override readonly name = 'TokenBudgetExhaustedError';
}

/** The model stayed throttled, unavailable or slow after every retry; retry the run later. */
export class GenerationUnavailableError extends DependencyUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // The base class types `name` as its own literal; the instance still carries its real name,
    // which is what Step Functions Retry/Catch and the logs match on.
    Object.defineProperty(this, 'name', { value: 'GenerationUnavailableError' });
  }
}
