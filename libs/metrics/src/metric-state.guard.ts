import { MetricInputError } from './metric-input.error';

/**
 * Helpers for `fromJSON`: persisted state arrives as `unknown` (from Postgres JSONB) and is checked field by field, so a
 * corrupt or misrouted row fails loudly at restore time instead of producing silently wrong metrics later.
 */

/** Checks the `kind` and `version` tags and returns the state as a record. */
export function readStateRecord(state: unknown, kind: string, version: number): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw invalidState(kind, `expected an object, got ${describe(state)}`);
  }
  const record = state as Record<string, unknown>;
  if (record['kind'] !== kind) {
    throw invalidState(kind, `kind is ${describe(record['kind'])}; this state belongs to another metric`);
  }
  if (record['version'] !== version) {
    throw invalidState(kind, `version ${describe(record['version'])} is not supported (expected ${version})`);
  }
  return record;
}

/** Reads a finite number field. */
export function readFiniteNumber(record: Record<string, unknown>, kind: string, key: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidState(kind, `field "${key}" must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** Reads an array of finite numbers. */
export function readFiniteNumberArray(record: Record<string, unknown>, kind: string, key: string): number[] {
  const value = record[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw invalidState(kind, `field "${key}" must be an array of finite numbers`);
  }
  return value as number[];
}

/** Reads an array field without checking its elements (the caller checks them with context). */
export function readArray(record: Record<string, unknown>, kind: string, key: string): unknown[] {
  const value = record[key];
  if (!Array.isArray(value)) {
    throw invalidState(kind, `field "${key}" must be an array, got ${describe(value)}`);
  }
  return value;
}

export function invalidState(kind: string, detail: string): MetricInputError {
  return new MetricInputError('METRICS.INVALID_STATE', `cannot restore ${kind} state: ${detail}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}
