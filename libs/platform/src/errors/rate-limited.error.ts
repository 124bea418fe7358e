import { DomainError } from './domain-error';

/** A request refused for a quota (HTTP 429); `retryAfterSeconds` becomes the `Retry-After` header when known. */
export class RateLimitedError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
    this.name = 'RateLimitedError';
  }
}
