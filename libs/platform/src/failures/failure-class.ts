import { UnprocessableMessageError } from './unprocessable-message.error';

/**
 * Who is to blame for a failure, which decides what a consumer does with it:
 * - `message`: the message's own content made it fail, and it would fail again on every retry (a value Postgres
 *   cannot store, a constraint it violates, a Kafka record the broker refuses). Dead-letter that message, keep going.
 * - `infrastructure`: something the message did not cause (a connection, a timeout, a restart, a deadlock, a full
 *   disk, a bug in a query). Retrying later can succeed; dead-lettering would lose a good message. Pause and retry
 *   with backoff.
 */
export type FailureClass = 'message' | 'infrastructure';

/**
 * SQLSTATE classes and codes caused by the values a statement carried (PostgreSQL, Appendix A "Error Codes"):
 * class 22 data exception (22021 invalid byte sequence, e.g. U+0000 in text; 22P05 untranslatable character, e.g.
 * \u0000 in jsonb; 22003 numeric value out of range; 22P02 invalid text representation), class 23 integrity constraint
 * violation, and 54000 program limit exceeded (an index row too large for a B-tree: an over-long key). Everything
 * else, including class 42 (a broken query is our bug, not the message's), is infrastructure.
 */
const MESSAGE_SQLSTATE_CLASSES = new Set(['22', '23']);
const MESSAGE_SQLSTATES = new Set(['54000']);

/** Kafka error types a produce request gets for the record itself (too large, malformed), not for the cluster. */
const MESSAGE_KAFKA_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** The SQLSTATE of a Postgres error (node-postgres `DatabaseError`, or TypeORM's `QueryFailedError` around one). */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidates = [(error as { code?: unknown }).code, (error as { driverError?: { code?: unknown } }).driverError?.code];
  for (const code of candidates) if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  return undefined;
}

/**
 * Classifies a failure raised while processing one message or a group of them (see {@link FailureClass}). Only
 * positive evidence blames the message: an {@link UnprocessableMessageError}, a Postgres data or constraint error, or
 * a Kafka refusal of the record. Anything unknown is infrastructure, because retrying a good message costs time while
 * dead-lettering it loses it.
 *
 * A group of messages that fails with `message` contains at least one culprit; {@link isolatePoison} finds it.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof UnprocessableMessageError) return 'message';
  const state = sqlState(error);
  if (state !== undefined) return MESSAGE_SQLSTATE_CLASSES.has(state.slice(0, 2)) || MESSAGE_SQLSTATES.has(state) ? 'message' : 'infrastructure';
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && MESSAGE_KAFKA_TYPES.has(type)) return 'message';
  return 'infrastructure';
}

/** A short description of a failure for a dead letter's reason or a log line: the SQLSTATE when there is one. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlState(error);
  return state ? `SQLSTATE ${state}: ${message}` : message;
}
