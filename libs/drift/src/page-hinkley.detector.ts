import { type DetectorStateEnvelope, encodeNumber, StateReader, type StoredNumber } from './detector-state.guard';
import { assertFiniteInput, type DriftDetector, ParameterCheck } from './drift-detector.contract';
import { RunningMean } from './running-moments.estimator';

/** Which direction of change a detector watches. */
export type ChangeDirection = 'up' | 'down' | 'both';

const MODES: readonly ChangeDirection[] = ['up', 'down', 'both'];

/** Page–Hinkley parameters (River `drift.PageHinkley`, camelCased). */
export interface PageHinkleyParams {
  /** Updates before a drift may be signalled. Default 30. */
  minInstances?: number;
  /** Magnitude of change tolerated (δ). Default 0.005. */
  delta?: number;
  /** Detection threshold λ. Default 50. */
  threshold?: number;
  /** Forgetting factor applied to the cumulative sums. Default 1 − 0.0001. */
  alpha?: number;
  /** Watch increases (`'up'`), decreases (`'down'`) or both. Default `'both'`. */
  mode?: ChangeDirection;
}

/** A serialised PageHinkley (`toJSON()`). */
export type PageHinkleyState = DetectorStateEnvelope<
  'PageHinkley',
  Required<PageHinkleyParams>,
  {
    mean: { n: number; mean: number };
    sumIncrease: number;
    sumDecrease: number;
    minIncrease: StoredNumber;
    maxDecrease: number;
    drift: boolean;
  }
>;

/**
 * Page–Hinkley test — a port of River's `drift.PageHinkley` (`river/drift/page_hinkley.py`).
 *
 * With x̄_t the running mean of the inputs (including x_t),
 *
 *   U_t = α U_{t−1} + (x_t − x̄_t − δ),   m_t = min(m_{t−1}, U_t)      (increase)
 *   L_t = α L_{t−1} + (x_t − x̄_t + δ),   M_t = max(M_{t−1}, L_t)      (decrease)
 *
 * and, once at least `minInstances` values have been seen, a drift is signalled when U_t − m_t > λ (`up`),
 * M_t − L_t > λ (`down`) or either (`both`). The update after a drift starts afresh.
 *
 * River quirk kept: the running maximum M starts at −1 (not −∞), exactly as River initialises `_max_decrease`.
 *
 * Example (River's docstring, reproduced in `page-hinkley.detector.spec.ts`): on `Random(12345)`'s
 * `choices([0, 1], k=1000) + choices(range(4, 8), k=1000)`, `new PageHinkley()` prints
 * "Change detected at index 1006, input value: 5".
 *
 * References: E. S. Page, "Continuous inspection schemes", Biometrika 41(1/2), 1954, pp. 100–115;
 * R. Sebastião and J. M. Fernandes, "Supporting the Page-Hinkley test with empirical mode decomposition for change
 * detection", ISMIS 2017, pp. 492–498.
 */
export class PageHinkley implements DriftDetector {
  readonly minInstances: number;
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly mode: ChangeDirection;

  private mean = new RunningMean();
  private sumIncrease = 0.0;
  private sumDecrease = 0.0;
  private minIncrease = Infinity;
  private maxDecrease = -1;
  private drift = false;

  constructor(params: PageHinkleyParams = {}) {
    const check = new ParameterCheck('PageHinkley');
    this.minInstances = check.integer('minInstances', params.minInstances ?? 30, { min: 0 });
    this.delta = check.number('delta', params.delta ?? 0.005, { min: 0 });
    this.threshold = check.number('threshold', params.threshold ?? 50.0, { min: 0, minOpen: true });
    this.alpha = check.number('alpha', params.alpha ?? 1 - 0.0001, { min: 0, max: 1, minOpen: true });
    this.mode = check.oneOf('mode', params.mode ?? 'both', MODES);
    this.reset();
  }

  get driftDetected(): boolean {
    return this.drift;
  }

  update(x: number): this {
    assertFiniteInput('PageHinkley', x);
    if (this.drift) this.reset();

    this.mean.update(x);
    const dev = x - this.mean.get();
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta;
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;

    if (this.mean.n >= this.minInstances) {
      const testIncrease = this.sumIncrease - this.minIncrease;
      const testDecrease = this.maxDecrease - this.sumDecrease;
      this.drift =
        this.mode === 'up'
          ? testIncrease > this.threshold
          : this.mode === 'down'
            ? testDecrease > this.threshold
            : testIncrease > this.threshold || testDecrease > this.threshold;
    }
    return this;
  }

  /** The detector as plain JSON; `PageHinkley.fromJSON` of it continues exactly where this one is. */
  toJSON(): PageHinkleyState {
    return {
      kind: 'PageHinkley',
      version: 1,
      params: { minInstances: this.minInstances, delta: this.delta, threshold: this.threshold, alpha: this.alpha, mode: this.mode },
      state: {
        mean: this.mean.toJSON(),
        sumIncrease: this.sumIncrease,
        sumDecrease: this.sumDecrease,
        minIncrease: encodeNumber(this.minIncrease),
        maxDecrease: this.maxDecrease,
        drift: this.drift,
      },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): PageHinkley {
    const { params, state } = StateReader.open(input, 'PageHinkley');
    const detector = new PageHinkley(params as PageHinkleyParams);
    detector.mean = RunningMean.fromJSON(state.object('mean'));
    detector.sumIncrease = state.number('sumIncrease');
    detector.sumDecrease = state.number('sumDecrease');
    detector.minIncrease = state.number('minIncrease', { allowInfinite: true });
    detector.maxDecrease = state.number('maxDecrease');
    detector.drift = state.boolean('drift');
    return detector;
  }

  private reset(): void {
    this.drift = false;
    this.mean = new RunningMean();
    this.sumIncrease = 0.0;
    this.sumDecrease = 0.0;
    this.minIncrease = Infinity;
    this.maxDecrease = -1;
  }
}
