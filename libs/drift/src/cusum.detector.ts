import { type DetectorStateEnvelope, StateReader } from './detector-state.guard';
import { assertFiniteInput, type DriftDetector, ParameterCheck } from './drift-detector.contract';
import type { ChangeDirection } from './page-hinkley.detector';
import { RunningMean, RunningVariance } from './running-moments.estimator';

const MODES: readonly ChangeDirection[] = ['up', 'down', 'both'];

/** CUSUM parameters (River `drift.CUSUM`, camelCased). */
export interface CusumParams {
  /** Warm-up length: the reference mean and deviation are estimated over the first `minInstances` values. Default 30. */
  minInstances?: number;
  /** Slack k as a multiple of the reference standard deviation. Default 0.5. */
  slack?: number;
  /** Decision interval h as a multiple of the reference standard deviation. Default 5. */
  threshold?: number;
  /** Watch increases (`'up'`), decreases (`'down'`) or both. Default `'both'`. */
  mode?: ChangeDirection;
}

/** A serialised CUSUM (`toJSON()`). */
export type CusumState = DetectorStateEnvelope<
  'CUSUM',
  Required<CusumParams>,
  {
    n: number;
    mean: { n: number; mean: number };
    variance: { n: number; mean: number; s: number };
    sumIncrease: number;
    sumDecrease: number;
    reference: number | null;
    sigma: number;
    drift: boolean;
  }
>;

/**
 * Tabular CUSUM control chart (Page 1954) — a port of River's `drift.CUSUM` (`river/drift/cusum.py`).
 *
 * The first `minInstances` values estimate a reference mean μ₀ and standard deviation σ₀ (sample variance, ddof = 1),
 * which are then frozen. From the `minInstances`-th value on, with k = slack·σ₀ and h = threshold·σ₀:
 *
 *   S⁺_t = max(0, S⁺_{t−1} + (x_t − μ₀) − k),   S⁻_t = max(0, S⁻_{t−1} − (x_t − μ₀) − k)
 *
 * and a drift is signalled when S⁺ > h (`up`), S⁻ > h (`down`) or either (`both`). The update after a drift starts a
 * new warm-up. With the classical k = 0.5σ, h = 5σ the in-control average run length is a few hundred samples, so a
 * long stable stream will occasionally alarm — inherent to CUSUM at these settings.
 *
 * Provenance: River's CUSUM is recent (`river/drift/cusum.py`; absent from older River releases). This port follows
 * that file line by line; where River is silent it follows Page's tabular CUSUM.
 *
 * Example (River's docstring, reproduced in `cusum.detector.spec.ts`): with `rng = Random(12345)`,
 * `[rng.gauss(0, 1) x200] + [rng.gauss(3, 1) x200]` makes `new CUSUM()` print
 * "Change detected at index 201" and "Change detected at index 251".
 *
 * Reference: E. S. Page, "Continuous inspection schemes", Biometrika 41(1/2), 1954, pp. 100–115.
 */
export class CUSUM implements DriftDetector {
  readonly minInstances: number;
  readonly slack: number;
  readonly threshold: number;
  readonly mode: ChangeDirection;

  private n = 0;
  private mean = new RunningMean();
  private variance = new RunningVariance();
  private sumIncrease = 0.0;
  private sumDecrease = 0.0;
  private reference: number | null = null;
  private sigma = 0.0;
  private drift = false;

  constructor(params: CusumParams = {}) {
    const check = new ParameterCheck('CUSUM');
    this.minInstances = check.integer('minInstances', params.minInstances ?? 30, { min: 1 });
    this.slack = check.number('slack', params.slack ?? 0.5, { min: 0 });
    this.threshold = check.number('threshold', params.threshold ?? 5.0, { min: 0, minOpen: true });
    this.mode = check.oneOf('mode', params.mode ?? 'both', MODES);
    this.reset();
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  update(x: number): this {
    assertFiniteInput('CUSUM', x);
    if (this.drift) this.reset();

    this.n += 1;
    this.mean.update(x);
    this.variance.update(x);
    if (this.n < this.minInstances) {
      this.drift = false;
      return this;
    }
    // Frozen after the warm-up: a running mean would chase the very shift being detected.
    if (this.reference === null) {
      this.reference = this.mean.get();
      this.sigma = Math.sqrt(Math.max(this.variance.get(), 0.0));
    }
    const k = this.slack * this.sigma;
    const limit = this.threshold * this.sigma;
    const deviation = x - this.reference;
    this.sumIncrease = Math.max(0.0, this.sumIncrease + deviation - k);
    this.sumDecrease = Math.max(0.0, this.sumDecrease - deviation - k);
    this.drift =
      this.mode === 'up'
        ? this.sumIncrease > limit
        : this.mode === 'down'
          ? this.sumDecrease > limit
          : this.sumIncrease > limit || this.sumDecrease > limit;
    return this;
  }

  /** The detector as plain JSON; `CUSUM.fromJSON` of it continues exactly where this one is. */
  toJSON(): CusumState {
    return {
      kind: 'CUSUM',
      version: 1,
      params: { minInstances: this.minInstances, slack: this.slack, threshold: this.threshold, mode: this.mode },
      state: {
        n: this.n,
        mean: this.mean.toJSON(),
        variance: this.variance.toJSON(),
        sumIncrease: this.sumIncrease,
        sumDecrease: this.sumDecrease,
        reference: this.reference,
        sigma: this.sigma,
        drift: this.drift,
      },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): CUSUM {
    const { params, state } = StateReader.open(input, 'CUSUM');
    const detector = new CUSUM(params as CusumParams);
    detector.n = state.number('n', { integer: true, min: 0 });
    detector.mean = RunningMean.fromJSON(state.object('mean'));
    detector.variance = RunningVariance.fromJSON(state.object('variance'));
    detector.sumIncrease = state.number('sumIncrease', { min: 0 });
    detector.sumDecrease = state.number('sumDecrease', { min: 0 });
    detector.reference = state.nullableNumber('reference');
    detector.sigma = state.number('sigma', { min: 0 });
    detector.drift = state.boolean('drift');
    return detector;
  }

  private reset(): void {
    this.drift = false;
    this.n = 0;
    this.mean = new RunningMean();
    this.variance = new RunningVariance();
    this.sumIncrease = 0.0;
    this.sumDecrease = 0.0;
    this.reference = null;
    this.sigma = 0.0;
  }
}
