import { DriftInputError } from './drift-input.error';

/**
 * Helpers for the detectors' `toJSON()` / `fromJSON()`. A serialised detector is plain JSON:
 * `{ kind, version, params, state }`, where `params` are the constructor parameters (re-validated by the constructor on
 * restore) and `state` the running statistics. JSON has no ±Infinity, and several River statistics start there
 * (Page–Hinkley's running minimum, DDM's p_min, HDDM_W's cut points), so non-finite numbers are written as the strings
 * `"Infinity"` / `"-Infinity"`. NaN never occurs in a detector's state and is refused.
 */

/** A number as stored in a detector state: finite, or ±Infinity spelled as a string. */
export type StoredNumber = number | 'Infinity' | '-Infinity';

export function encodeNumber(x: number): StoredNumber {
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

/** The common envelope of every serialised detector. */
export interface DetectorStateEnvelope<K extends string, P, S> {
  readonly kind: K;
  readonly version: 1;
  readonly params: P;
  readonly state: S;
}

/** Reads fields of one serialised detector, naming the detector and field in every error. */
export class StateReader {
  constructor(
    private readonly kind: string,
    private readonly record: Record<string, unknown>,
    private readonly path = 'state',
  ) {}

  /** Checks `{ kind, version: 1, params, state }` and returns readers for `params` and `state`. */
  static open(input: unknown, kind: string): { params: Record<string, unknown>; state: StateReader } {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw invalidState(kind, `expected an object from ${kind}.toJSON(), got ${describe(input)}`);
    }
    const record = input as Record<string, unknown>;
    if (record['kind'] !== kind) {
      throw invalidState(kind, `field "kind" must be ${JSON.stringify(kind)}, got ${describe(record['kind'])}`);
    }
    if (record['version'] !== 1) {
      throw invalidState(kind, `field "version" must be 1 (the only state version), got ${describe(record['version'])}`);
    }
    const params = record['params'];
    const state = record['state'];
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw invalidState(kind, 'field "params" must be an object of constructor parameters');
    }
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw invalidState(kind, 'field "state" must be an object');
    }
    return { params: params as Record<string, unknown>, state: new StateReader(kind, state as Record<string, unknown>) };
  }

  /** A nested object field. */
  object(field: string): StateReader {
    const value = this.record[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidState(this.kind, `field "${this.path}.${field}" must be an object, got ${describe(value)}`);
    }
    return new StateReader(this.kind, value as Record<string, unknown>, `${this.path}.${field}`);
  }

  /** A number, finite unless `allowInfinite`; optionally an integer with a lower bound. */
  number(field: string, options: { allowInfinite?: boolean; integer?: boolean; min?: number } = {}): number {
    const raw = this.record[field];
    const value = raw === 'Infinity' && options.allowInfinite ? Infinity : raw === '-Infinity' && options.allowInfinite ? -Infinity : raw;
    const ok =
      typeof value === 'number' &&
      !Number.isNaN(value) &&
      (Number.isFinite(value) || options.allowInfinite === true) &&
      (!options.integer || Number.isSafeInteger(value)) &&
      (options.min === undefined || value >= options.min);
    if (!ok) {
      const expected = [
        options.integer ? 'an integer' : options.allowInfinite ? 'a number or "Infinity"/"-Infinity"' : 'a finite number',
        options.min === undefined ? '' : ` ≥ ${options.min}`,
      ].join('');
      throw invalidState(this.kind, `field "${this.path}.${field}" must be ${expected}, got ${describe(raw)}`);
    }
    return value as number;
  }

  /** A finite number or null. */
  nullableNumber(field: string): number | null {
    return this.record[field] === null ? null : this.number(field);
  }

  boolean(field: string): boolean {
    const value = this.record[field];
    if (typeof value !== 'boolean') {
      throw invalidState(this.kind, `field "${this.path}.${field}" must be a boolean, got ${describe(value)}`);
    }
    return value;
  }

  /** An array of finite numbers, optionally of an exact length. */
  numbers(field: string, length?: number): number[] {
    const value = this.record[field];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw invalidState(this.kind, `field "${this.path}.${field}" must be an array of finite numbers`);
    }
    if (length !== undefined && value.length !== length) {
      throw invalidState(this.kind, `field "${this.path}.${field}" must hold ${length} numbers, got ${value.length}`);
    }
    return value as number[];
  }

  /** An array of nested objects. */
  objects(field: string): StateReader[] {
    const value = this.record[field];
    if (!Array.isArray(value)) throw invalidState(this.kind, `field "${this.path}.${field}" must be an array`);
    return value.map((entry, i) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw invalidState(this.kind, `field "${this.path}.${field}[${i}]" must be an object`);
      }
      return new StateReader(this.kind, entry as Record<string, unknown>, `${this.path}.${field}[${i}]`);
    });
  }

  raw(field: string): unknown {
    return this.record[field];
  }

  /** An error about this state, for checks that relate several fields. */
  fail(message: string): DriftInputError {
    return invalidState(this.kind, message);
  }
}

export function invalidState(kind: string, message: string): DriftInputError {
  return new DriftInputError(
    'DRIFT.INVALID_STATE',
    `${kind}.fromJSON: ${message}; pass the unmodified output of ${kind}.toJSON() (after JSON.parse).`,
  );
}

function describe(x: unknown): string {
  if (x === undefined) return 'nothing (missing)';
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === null || typeof x !== 'object') return String(x);
  return Array.isArray(x) ? 'an array' : 'an object';
}
