import { createRequire } from 'node:module';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from 'kafkajs';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { classifyFailure, describeFailure, sqlState } from './failure-class';
import { UnprocessableMessageError } from './unprocessable-message.error';

// kafkajs's own table of broker error codes (what a produce or fetch response carries).
const { createErrorFromCode } = createRequire(__filename)('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

/** A Postgres error as node-postgres raises it (the class and fields of a real ErrorResponse). */
function postgresError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'ERROR';
  return error;
}

const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });

describe('classifyFailure', () => {
  // [SQLSTATE, condition name (PostgreSQL Appendix A), expected]
  const sqlStates: [string, string, 'message' | 'infrastructure'][] = [
    ['22021', 'character_not_in_repertoire (invalid byte sequence for encoding "UTF8": 0x00)', 'message'],
    ['22P05', 'untranslatable_character (\\u0000 cannot be converted to text, in jsonb)', 'message'],
    ['22003', 'numeric_value_out_of_range', 'message'],
    ['22P02', 'invalid_text_representation', 'message'],
    ['22007', 'invalid_datetime_format', 'message'],
    ['22008', 'datetime_field_overflow', 'message'],
    ['22001', 'string_data_right_truncation', 'message'],
    ['23505', 'unique_violation', 'message'],
    ['23503', 'foreign_key_violation', 'message'],
    ['23502', 'not_null_violation', 'message'],
    ['23514', 'check_violation', 'message'],
    ['54000', 'program_limit_exceeded (index row size exceeds the B-tree maximum)', 'message'],
    ['57P01', 'admin_shutdown', 'infrastructure'],
    ['57P03', 'cannot_connect_now', 'infrastructure'],
    ['57014', 'query_canceled (statement timeout)', 'infrastructure'],
    ['40001', 'serialization_failure', 'infrastructure'],
    ['40P01', 'deadlock_detected', 'infrastructure'],
    ['53100', 'disk_full', 'infrastructure'],
    ['53200', 'out_of_memory', 'infrastructure'],
    ['53300', 'too_many_connections', 'infrastructure'],
    ['08006', 'connection_failure', 'infrastructure'],
    ['08003', 'connection_does_not_exist', 'infrastructure'],
    ['25P02', 'in_failed_sql_transaction', 'infrastructure'],
    ['42703', 'undefined_column (our query is wrong, not the message)', 'infrastructure'],
    ['42P01', 'undefined_table', 'infrastructure'],
    ['XX000', 'internal_error', 'infrastructure'],
  ];

  it.each(sqlStates)('Postgres %s (%s) → %s', (code, name, expected) => {
    expect(classifyFailure(postgresError(code, name))).toBe(expected);
    // TypeORM wraps the driver's error in QueryFailedError and copies its fields; the class must not change.
    expect(classifyFailure(new QueryFailedError('SELECT 1', [], postgresError(code, name)))).toBe(expected);
  });

  const others: [string, unknown, 'message' | 'infrastructure'][] = [
    ['connection refused', systemError('ECONNREFUSED'), 'infrastructure'],
    ['connection reset', systemError('ECONNRESET'), 'infrastructure'],
    ['timed out', systemError('ETIMEDOUT'), 'infrastructure'],
    ['broken pipe', systemError('EPIPE'), 'infrastructure'],
    ['node-postgres: terminated', new Error('Connection terminated unexpectedly'), 'infrastructure'],
    ['kafkajs connection error', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), 'infrastructure'],
    ['kafkajs request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), 'infrastructure'],
    ['kafkajs retries exceeded', new KafkaJSNumberOfRetriesExceeded(new Error('boom'), { retryCount: 5, retryTime: 100 }), 'infrastructure'],
    ['Kafka NOT_LEADER_FOR_PARTITION', new KafkaJSProtocolError(createErrorFromCode(6)), 'infrastructure'],
    ['Kafka REQUEST_TIMED_OUT', new KafkaJSProtocolError(createErrorFromCode(7)), 'infrastructure'],
    ['Kafka MESSAGE_TOO_LARGE', new KafkaJSProtocolError(createErrorFromCode(10)), 'message'],
    ['Kafka RECORD_LIST_TOO_LARGE', new KafkaJSProtocolError(createErrorFromCode(18)), 'message'],
    ['Kafka INVALID_RECORD', new KafkaJSProtocolError(createErrorFromCode(87)), 'message'],
    ['a domain refusal', new UnprocessableMessageError('FEEDBACK.NON_FINITE_UPDATE', 'refused'), 'message'],
    ['an unknown error', new TypeError('x is undefined'), 'infrastructure'],
    ['a thrown string', 'boom', 'infrastructure'],
    ['undefined', undefined, 'infrastructure'],
  ];

  it.each(others)('%s → %s', (_name, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });
});

describe('sqlState and describeFailure', () => {
  it('read the SQLSTATE from the driver error or its TypeORM wrapper, and nothing from a system error', () => {
    const error = postgresError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
    expect(sqlState(new QueryFailedError('q', [], error))).toBe('22021');
    expect(sqlState(systemError('ECONNREFUSED'))).toBeUndefined();
    expect(describeFailure(error)).toBe('SQLSTATE 22021: invalid byte sequence for encoding "UTF8": 0x00');
    expect(describeFailure(new Error('plain'))).toBe('plain');
  });
});
