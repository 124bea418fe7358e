import { DriftInputError } from './drift-input.error';

/**
 * A detector of change in a stream of real numbers (River's `base.DriftDetector`).
 *
 * `update(x)` consumes one value and returns the detector; `driftDetected` then says whether *that* update raised a
 * drift. As in River, the detector's state is reset at the start of the update that follows a drift, so a drift is
 * reported exactly once and the detector then relearns from scratch.
 */
export interface DriftDetector {
  update(x: number): this;
  readonly driftDetected: boolean;
}

/** A value fed to a binary detector: `1`/`true` is an error (failure), `0`/`false` a success. */
export type BinaryInput = boolean | 0 | 1;

/**
 * A detector of change in a stream of bits that also signals a warning zone (River's
 * `base.BinaryDriftAndWarningDetector`): after each `update`, `warningDetected` and `driftDetected` describe that
 * update. As in River, DDM and HDDM_A/W clear the warning on the update that raises a drift (unless HDDM's two-sided
 * test warns on the other side); EDDM leaves the warning as it was. The next update resets both.
 */
export interface BinaryDriftAndWarningDetector {
  update(x: BinaryInput): this;
  readonly driftDetected: boolean;
  readonly warningDetected: boolean;
}

/** Rejects anything that is not a finite number, naming the detector so the caller knows which stream is bad. */
export function assertFiniteInput(detector: string, x: unknown): asserts x is number {
  if (typeof x !== 'number') {
    throw new DriftInputError(
      'DRIFT.NOT_FINITE',
      `${detector}.update(x) expects a finite number, got ${describe(x)}; convert the value to a number before updating.`,
    );
  }
  if (!Number.isFinite(x)) {
    throw new DriftInputError(
      'DRIFT.NOT_FINITE',
      `${detector}.update(x) expects a finite number, got ${String(x)}; drop or impute non-finite values before updating.`,
    );
  }
}

/**
 * Rejects anything but `0`, `1`, `true` or `false` and returns the bit as a number. River types the input of its binary
 * detectors as `bool`; accepting other numbers would silently change their meaning (EDDM counts only `x == 1` as an
 * error, DDM would average it), so they are refused.
 */
export function toBinaryInput(detector: string, x: unknown): 0 | 1 {
  if (x === true || x === 1) return 1;
  if (x === false || x === 0) return 0;
  const got = typeof x === 'number' ? String(x) : describe(x);
  throw new DriftInputError(
    'DRIFT.NOT_BINARY',
    `${detector}.update(x) expects a bit (0, 1, false or true; 1 = error), got ${got}; ` +
      'threshold or map the signal to a bit before updating, or use a detector for real values (ADWIN, PageHinkley, KSWIN, CUSUM).',
  );
}

function describe(x: unknown): string {
  if (typeof x === 'string') return `the string ${JSON.stringify(x)}`;
  if (x === null) return 'null';
  return typeof x === 'number' ? String(x) : `a value of type ${typeof x}`;
}

/**
 * Constructor-parameter checks shared by the detectors. Each throws a `DriftInputError` whose message names the
 * detector, the parameter (camelCase, as passed), the value received and the accepted domain.
 */
export class ParameterCheck {
  constructor(private readonly detector: string) {}

  /** A finite number within the stated bounds (`open` bounds exclude the end point). */
  number(
    name: string,
    value: unknown,
    bounds: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean } = {},
  ): number {
    const { min, max, minOpen = false, maxOpen = false } = bounds;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (min === undefined || (minOpen ? value > min : value >= min)) &&
      (max === undefined || (maxOpen ? value < max : value <= max));
    if (!ok) this.fail(name, value, describeBounds('a finite number', min, max, minOpen, maxOpen));
    return value as number;
  }

  /** An integer (a JS number with no fractional part) within the stated inclusive bounds. */
  integer(name: string, value: unknown, bounds: { min?: number; max?: number } = {}): number {
    const { min, max } = bounds;
    const ok =
      typeof value === 'number' &&
      Number.isSafeInteger(value) &&
      (min === undefined || value >= min) &&
      (max === undefined || value <= max);
    if (!ok) this.fail(name, value, describeBounds('an integer', min, max, false, false));
    return value as number;
  }

  boolean(name: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(name, value, 'a boolean');
    return value as boolean;
  }

  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(name, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    }
    return value as T;
  }

  /** A relation between two parameters, e.g. `alpha >= beta`. */
  require(condition: boolean, message: string): void {
    if (!condition) {
      throw new DriftInputError('DRIFT.INVALID_PARAMETER', `${this.detector}: ${message}`);
    }
  }

  private fail(name: string, value: unknown, expected: string): never {
    const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new DriftInputError(
      'DRIFT.INVALID_PARAMETER',
      `${this.detector}: parameter '${name}' must be ${expected}, got ${got}.`,
    );
  }
}

function describeBounds(
  kind: string,
  min: number | undefined,
  max: number | undefined,
  minOpen: boolean,
  maxOpen: boolean,
): string {
  if (min !== undefined && max !== undefined) {
    return `${kind} in ${minOpen ? '(' : '['}${min}, ${max}${maxOpen ? ')' : ']'}`;
  }
  if (min !== undefined) return `${kind} ${minOpen ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${kind} ${maxOpen ? '<' : '<='} ${max}`;
  return kind;
}
