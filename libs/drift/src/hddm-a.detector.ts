import { type DetectorStateEnvelope, StateReader } from './detector-state.guard';
import {
  type BinaryDriftAndWarningDetector,
  type BinaryInput,
  ParameterCheck,
  toBinaryInput,
} from './drift-detector.contract';
import { RunningMean } from './running-moments.estimator';

/** HDDM_A parameters (River `drift.binary.HDDM_A` / `HDDMA`, camelCased). */
export interface HddmAParams {
  /** Confidence level of the drift test. Default 0.001. */
  driftConfidence?: number;
  /** Confidence level of the warning test. Default 0.005. */
  warningConfidence?: number;
  /** Also monitor decreases of the mean (two-sided). Default false (increases only). */
  twoSidedTest?: boolean;
}

type MeanState = { n: number; mean: number };

/** A serialised HDDM_A (`toJSON()`). */
export type HddmAState = DetectorStateEnvelope<
  'HDDM_A',
  Required<HddmAParams>,
  { xMin: MeanState; xMax: MeanState; z: MeanState; drift: boolean; warning: boolean }
>;

/**
 * Hoeffding Drift Detection Method with the A-test (moving averages) — a port of River's `drift.binary.HDDM_A`
 * (renamed `HDDMA` in recent River; `river/drift/binary/hddm_a.py`), itself based on MOA.
 *
 * Z is the running mean of all bits; X_min (X_max) is a frozen copy of Z taken at the cut point where
 * Z + ε(n_Z) is smallest (Z − ε(n_Z) is largest), with the Hoeffding radius ε(n) = sqrt(ln(1/δ_drift) / (2n)).
 * An increase is significant at confidence c when, with m = (n_Z − n_X)/(n_X · n_Z),
 *
 *   Z − X_min ≥ sqrt(m/2 · ln(2/c)),
 *
 * tested first at `driftConfidence` (drift) then at `warningConfidence` (warning). With `twoSidedTest`, the mirror test
 * X_max − Z is applied afterwards and can only raise flags. The update after a drift starts afresh.
 *
 * Example (River's docstring, reproduced in `hddm-a.detector.spec.ts`): with `rng = Random(42)`, the stream
 * `choices([0, 1], k=1000) + choices([0, 1], k=1000, weights=[0.3, 0.7])` prints
 * "Warning detected at index 451" and "Change detected at index 1206".
 *
 * References: I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno, A. Ortiz-Díaz,
 * Y. Caballero-Mota, "Online and non-parametric drift detection methods based on Hoeffding's bounds", IEEE TKDE 27(3),
 * 2015, pp. 810–823; A. Bifet, G. Holmes, R. Kirkby, B. Pfahringer, "MOA: Massive Online Analysis", JMLR 11, 2010.
 */
export class HDDM_A implements BinaryDriftAndWarningDetector {
  readonly driftConfidence: number;
  readonly warningConfidence: number;
  readonly twoSidedTest: boolean;

  private xMin = new RunningMean();
  private xMax = new RunningMean();
  private z = new RunningMean();
  private drift = false;
  private warning = false;

  constructor(params: HddmAParams = {}) {
    const check = new ParameterCheck('HDDM_A');
    const open01 = { min: 0, max: 1, minOpen: true, maxOpen: true };
    this.driftConfidence = check.number('driftConfidence', params.driftConfidence ?? 0.001, open01);
    this.warningConfidence = check.number('warningConfidence', params.warningConfidence ?? 0.005, open01);
    this.twoSidedTest = check.boolean('twoSidedTest', params.twoSidedTest ?? false);
    check.require(
      this.driftConfidence <= this.warningConfidence,
      `driftConfidence (${this.driftConfidence}) must not exceed warningConfidence (${this.warningConfidence}): ` +
        'the drift test must be the stricter one, otherwise no warning can precede a drift.',
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
    const bit = toBinaryInput('HDDM_A', x);
    if (this.drift) this.reset();

    this.z.update(bit);
    if (this.xMin.n === 0) this.xMin = this.z.clone();
    if (this.xMax.n === 0) this.xMax = this.z.clone();

    const epsZ = this.hoeffdingBound(this.z.n);
    let epsX = this.hoeffdingBound(this.xMin.n);
    if (this.xMin.get() + epsX >= this.z.get() + epsZ) this.xMin = this.z.clone();
    epsX = this.hoeffdingBound(this.xMax.n);
    if (this.xMax.get() - epsX <= this.z.get() - epsZ) this.xMax = this.z.clone();

    if (this.meanIncreased(this.driftConfidence)) {
      this.warning = false;
      this.drift = true;
    } else if (this.meanIncreased(this.warningConfidence)) {
      this.warning = true;
      this.drift = false;
    } else {
      this.warning = false;
      this.drift = false;
    }

    if (this.twoSidedTest) {
      if (this.meanDecreased(this.driftConfidence)) this.drift = true;
      else if (this.meanDecreased(this.warningConfidence)) this.warning = true;
    }
    return this;
  }

  /** The detector as plain JSON; `HDDM_A.fromJSON` of it continues exactly where this one is. */
  toJSON(): HddmAState {
    return {
      kind: 'HDDM_A',
      version: 1,
      params: { driftConfidence: this.driftConfidence, warningConfidence: this.warningConfidence, twoSidedTest: this.twoSidedTest },
      state: { xMin: this.xMin.toJSON(), xMax: this.xMax.toJSON(), z: this.z.toJSON(), drift: this.drift, warning: this.warning },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): HDDM_A {
    const { params, state } = StateReader.open(input, 'HDDM_A');
    const detector = new HDDM_A(params as HddmAParams);
    detector.xMin = RunningMean.fromJSON(state.object('xMin'));
    detector.xMax = RunningMean.fromJSON(state.object('xMax'));
    detector.z = RunningMean.fromJSON(state.object('z'));
    detector.drift = state.boolean('drift');
    detector.warning = state.boolean('warning');
    return detector;
  }

  private hoeffdingBound(n: number): number {
    return Math.sqrt((1.0 / (2 * n)) * Math.log(1.0 / this.driftConfidence));
  }

  private meanIncreased(confidence: number): boolean {
    if (this.xMin.n === this.z.n) return false;
    const m = ((this.z.n - this.xMin.n) / this.xMin.n) * (1.0 / this.z.n);
    const eps = Math.sqrt((m / 2) * Math.log(2.0 / confidence));
    return this.z.get() - this.xMin.get() >= eps;
  }

  private meanDecreased(confidence: number): boolean {
    if (this.xMax.n === this.z.n) return false;
    const m = ((this.z.n - this.xMax.n) / this.xMax.n) * (1.0 / this.z.n);
    const eps = Math.sqrt((m / 2) * Math.log(2.0 / confidence));
    return this.xMax.get() - this.z.get() >= eps;
  }

  private reset(): void {
    this.drift = false;
    this.warning = false;
    this.xMin = new RunningMean();
    this.xMax = new RunningMean();
    this.z = new RunningMean();
  }
}
