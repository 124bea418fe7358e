import { type DetectorStateEnvelope, StateReader } from './detector-state.guard';
import {
  type BinaryDriftAndWarningDetector,
  type BinaryInput,
  ParameterCheck,
  toBinaryInput,
} from './drift-detector.contract';
import { RunningVariance } from './running-moments.estimator';

/** EDDM parameters (River `drift.binary.EDDM`, camelCased). */
export interface EddmParams {
  /** Samples and errors required before change can be signalled. Default 30. */
  warmStart?: number;
  /** Warning level α ∈ (0, 1]: warn when the ratio falls below it. Default 0.95. */
  alpha?: number;
  /** Drift level β ∈ (0, 1], β ≤ α: drift when the ratio falls below it. Default 0.9. */
  beta?: number;
}

/** A serialised EDDM (`toJSON()`). */
export type EddmState = DetectorStateEnvelope<
  'EDDM',
  Required<EddmParams>,
  {
    errorDistances: { n: number; mean: number; s: number };
    n: number;
    lastError: number;
    nErrors: number;
    p2sPrimeMax: number;
    drift: boolean;
    warning: boolean;
  }
>;

/**
 * Early Drift Detection Method — a port of River's `drift.binary.EDDM` (`river/drift/binary/eddm.py`).
 *
 * EDDM tracks the distance between consecutive errors (1/true bits): its running mean p'_i and standard deviation
 * s'_i (sample variance, ddof = 1). On each error after the first `warmStart` samples, with m = p'_i + 2 s'_i:
 * if m exceeds the running maximum m_max it becomes the new maximum; otherwise, once more than `warmStart` errors
 * have been seen, the ratio m / m_max is compared with the thresholds:
 *
 *   ratio < β → drift;   β ≤ ratio < α → warning;   ratio ≥ α → no warning.
 *
 * Successes (0/false) only advance the sample counter. Flags are only rewritten on those branches (River behaviour:
 * a warning persists through successes, and a drift leaves the warning flag as it was); the update after a drift
 * starts afresh.
 *
 * Example (River's docstring, reproduced in `eddm.detector.spec.ts`): with `rng = Random(42)`, the stream
 * `choices([0, 1], k=1000) + choices([0, 1], k=1000, weights=[0.3, 0.7])` and `new EDDM({ alpha: 0.8, beta: 0.75 })`
 * prints "Warning detected at index 1059" and "Change detected at index 1278".
 *
 * Reference: M. Baena-García, J. del Campo-Ávila, R. Fidalgo, A. Bifet, R. Gavaldà, R. Morales-Bueno, "Early drift
 * detection method", 4th International Workshop on Knowledge Discovery from Data Streams, 2006.
 */
export class EDDM implements BinaryDriftAndWarningDetector {
  readonly warmStart: number;
  readonly alpha: number;
  readonly beta: number;

  private errorDistances = new RunningVariance();
  private n = 0;
  private lastError = 0;
  private nErrors = 0;
  private p2sPrimeMax = -1;
  private drift = false;
  private warning = false;

  constructor(params: EddmParams = {}) {
    const check = new ParameterCheck('EDDM');
    this.warmStart = check.integer('warmStart', params.warmStart ?? 30, { min: 0 });
    this.alpha = check.number('alpha', params.alpha ?? 0.95, { min: 0, max: 1, minOpen: true });
    this.beta = check.number('beta', params.beta ?? 0.9, { min: 0, max: 1, minOpen: true });
    check.require(
      this.alpha >= this.beta,
      `'alpha' (${this.alpha}) must be greater or equal to 'beta' (${this.beta}): the warning level must not be below the drift level.`,
    );
    this.reset();
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  get warningDetected(): boolean {
    return this.warning;
  }

  update(x: BinaryInput): this {
    const bit = toBinaryInput('EDDM', x);
    if (this.drift) this.reset();

    this.n += 1;
    if (bit === 1) {
      this.nErrors += 1;
      this.errorDistances.update(this.n - this.lastError);
      if (this.n > this.warmStart) {
        const piPrime = this.errorDistances.mean.get();
        // River: `var.get() ** 0.5`; sqrt is the correctly rounded square root.
        const siPrime = Math.sqrt(this.errorDistances.get());
        const p2sPrime = piPrime + 2 * siPrime;
        if (p2sPrime > this.p2sPrimeMax) {
          this.p2sPrimeMax = p2sPrime;
        } else if (this.nErrors > this.warmStart) {
          const level = p2sPrime / this.p2sPrimeMax;
          if (level < this.beta) this.drift = true;
          else if (level < this.alpha) this.warning = true;
          else this.warning = false;
        }
      }
      this.lastError = this.n;
    }
    return this;
  }

  /** The detector as plain JSON; `EDDM.fromJSON` of it continues exactly where this one is. */
  toJSON(): EddmState {
    return {
      kind: 'EDDM',
      version: 1,
      params: { warmStart: this.warmStart, alpha: this.alpha, beta: this.beta },
      state: {
        errorDistances: this.errorDistances.toJSON(),
        n: this.n,
        lastError: this.lastError,
        nErrors: this.nErrors,
        p2sPrimeMax: this.p2sPrimeMax,
        drift: this.drift,
        warning: this.warning,
      },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): EDDM {
    const { params, state } = StateReader.open(input, 'EDDM');
    const detector = new EDDM(params as EddmParams);
    detector.errorDistances = RunningVariance.fromJSON(state.object('errorDistances'));
    detector.n = state.number('n', { integer: true, min: 0 });
    detector.lastError = state.number('lastError', { integer: true, min: 0 });
    detector.nErrors = state.number('nErrors', { integer: true, min: 0 });
    detector.p2sPrimeMax = state.number('p2sPrimeMax');
    detector.drift = state.boolean('drift');
    detector.warning = state.boolean('warning');
    if (detector.lastError > detector.n || detector.nErrors > detector.n) {
      throw state.fail(`lastError (${detector.lastError}) and nErrors (${detector.nErrors}) cannot exceed n (${detector.n})`);
    }
    return detector;
  }

  private reset(): void {
    this.drift = false;
    this.warning = false;
    this.errorDistances = new RunningVariance();
    this.n = 0;
    this.lastError = 0;
    this.nErrors = 0;
    this.p2sPrimeMax = -1;
  }
}
