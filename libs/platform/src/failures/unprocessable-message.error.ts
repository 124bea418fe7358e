/**
 * An error that says on its face that the message it was raised for is at fault (a domain refusal raised deep inside
 * a use case). Its code is the dead letter's code; {@link classifyFailure} classifies it as `message`.
 */
export class UnprocessableMessageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnprocessableMessageError';
  }
}
