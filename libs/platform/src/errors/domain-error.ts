import type { ValidationIssue } from '@chorus/contracts';

/**
 * A failure the domain understands. `code` is stable (`MODULE.REASON`) and maps to a transport status in one place;
 * the message says how to fix it.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
