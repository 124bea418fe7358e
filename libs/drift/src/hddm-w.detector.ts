import { type DetectorStateEnvelope, encodeNumber, StateReader, type StoredNumber } from './detector-state.guard';
import {
  type BinaryDriftAndWarningDetector,
  type BinaryInput,
  ParameterCheck,
  toBinaryInput,
} from './drift-detector.contract';
import { FadingMean } from './running-moments.estimator';

/** HDDM_W parameters (River `drift.binary.HDDM_W` / `HDDMW`, camelCased). */
export interface HddmWParams {
  /** Confidence level of the drift test. Default 0.001. */
  driftConfidence?: number;
  /** Confidence level of the warning test. Default 0.005. */
  warningConfidence?: number;
  /** Weight λ ∈ (0, 1] of the newest value in the EWMA. Default 0.05. */
  lambdaVal?: number;
  /** Also monitor decreases of the mean (two-sided). Default false (increases only). */
  twoSidedTest?: boolean;
}

type WeightedSampleState = { isInit: boolean; ibc: number; mean: number };

/** A serialised HDDM_W (`toJSON()`). */
export type HddmWState = DetectorStateEnvelope<
  'HDDM_W',
  Required<HddmWParams>,
  {
    total: WeightedSampleState;
    s1Decr: WeightedSampleState;
    s1Incr: WeightedSampleState;
    s2Decr: WeightedSampleState;
    s2Incr: WeightedSampleState;
    incrCutpoint: StoredNumber;
    decrCutpoint: StoredNumber;
    drift: boolean;
    warning: boolean;
  }
>;

/** EWMA of a sample plus its "independent bounded condition" Σ wᵢ² (River's `SampleInfo`). */
class WeightedSample {
  isInit = false;
  ibc = 1.0;

  constructor(
    private readonly lambda: number,
    private readonly ewma: FadingMean = new FadingMean(lambda),
  ) {}

  update(x: number): void {
    this.ewma.update(x);
    this.isInit = true;
    // River: lambd² + (1 − lambd)² · ibc, the squares precomputed once (x*x is the correctly rounded square).
    this.ibc = this.lambda * this.lambda + (1 - this.lambda) * (1 - this.lambda) * this.ibc;
  }

  get mean(): number {
    return this.ewma.get();
  }

  toJSON(): WeightedSampleState {
    return { isInit: this.isInit, ibc: this.ibc, mean: this.ewma.toJSON() };
  }

  static fromJSON(lambda: number, state: StateReader): WeightedSample {
    const sample = new WeightedSample(lambda, FadingMean.restore(lambda, state.number('mean')));
    sample.isInit = state.boolean('isInit');
    sample.ibc = state.number('ibc', { min: 0 });
    return sample;
  }

  clone(): WeightedSample {
    const copy = new WeightedSample(this.lambda, this.ewma.clone());
    copy.isInit = this.isInit;
    copy.ibc = this.ibc;
    return copy;
  }
}

/**
 * Hoeffding Drift Detection Method with the W-test (weighted moving averages) — a port of River's
 * `drift.binary.HDDM_W` (renamed `HDDMW` in recent River; `river/drift/binary/hddm_w.py`), itself based on MOA.
 *
 * The total EWMA (weight λ on the newest bit) and its bound term ibc = λ² + (1 − λ)² ibc are tracked; the McDiarmid
 * radius is ε(ibc, c) = sqrt(ibc · ln(1/c) / 2). For increases, the cut point is moved (S1 = copy of the total, S2
 * restarted) whenever EWMA + ε(ibc_total, δ_drift) reaches a new minimum; otherwise the bit goes into S2. A change is
 * signalled at confidence c when S2.ewma − S1.ewma > ε(ibc_S1 + ibc_S2, c), first at `driftConfidence` (drift), then
 * at `warningConfidence` (warning). Decreases are tracked symmetrically; with `twoSidedTest` they can also raise flags.
 *
 * River quirk kept: River's EWMA (`stats.EWMean`) replaces its value outright while it is exactly 0, so a leading run of
 * zeros leaves the mean at 0 and the next 1 sets it to 1 (not λ). The update after a drift starts afresh.
 *
 * Example (River's docstring, reproduced in `hddm-w.detector.spec.ts`): with `rng = Random(42)`, the stream
 * `choices([0, 1], k=1000) + choices([0, 1], k=1000, weights=[0.3, 0.7])` prints
 * "Warning detected at index 451" and "Change detected at index 1077".
 *
 * References: I. Frías-Blanco et al., "Online and non-parametric drift detection methods based on Hoeffding's
 * bounds", IEEE TKDE 27(3), 2015, pp. 810–823; A. Bifet et al., "MOA: Massive Online Analysis", JMLR 11, 2010.
 */
export class HDDM_W implements BinaryDriftAndWarningDetector {
  readonly driftConfidence: number;
  readonly warningConfidence: number;
  readonly lambdaVal: number;
  readonly twoSidedTest: boolean;

  private total!: WeightedSample;
  private s1Decr!: WeightedSample;
  private s1Incr!: WeightedSample;
  private s2Decr!: WeightedSample;
  private s2Incr!: WeightedSample;
  private incrCutpoint = Infinity;
  private decrCutpoint = -Infinity;
  private drift = false;
  private warning = false;

  constructor(params: HddmWParams = {}) {
    const check = new ParameterCheck('HDDM_W');
    const open01 = { min: 0, max: 1, minOpen: true, maxOpen: true };
    this.driftConfidence = check.number('driftConfidence', params.driftConfidence ?? 0.001, open01);
    this.warningConfidence = check.number('warningConfidence', params.warningConfidence ?? 0.005, open01);
    this.lambdaVal = check.number('lambdaVal', params.lambdaVal ?? 0.05, { min: 0, max: 1, minOpen: true });
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
    const bit = toBinaryInput('HDDM_W', x);
    if (this.drift) this.reset();

    this.total.update(bit);

    this.updateIncreaseStats(bit);
    if (this.meanChanged(this.s1Incr, this.s2Incr, this.driftConfidence)) {
      this.warning = false;
      this.drift = true;
    } else if (this.meanChanged(this.s1Incr, this.s2Incr, this.warningConfidence)) {
      this.warning = true;
      this.drift = false;
    } else {
      this.warning = false;
      this.drift = false;
    }

    this.updateDecreaseStats(bit);
    if (this.twoSidedTest) {
      if (this.meanChanged(this.s2Decr, this.s1Decr, this.driftConfidence)) this.drift = true;
      else if (this.meanChanged(this.s2Decr, this.s1Decr, this.warningConfidence)) this.warning = true;
    }
    return this;
  }

  /** The detector as plain JSON; `HDDM_W.fromJSON` of it continues exactly where this one is. */
  toJSON(): HddmWState {
    return {
      kind: 'HDDM_W',
      version: 1,
      params: {
        driftConfidence: this.driftConfidence,
        warningConfidence: this.warningConfidence,
        lambdaVal: this.lambdaVal,
        twoSidedTest: this.twoSidedTest,
      },
      state: {
        total: this.total.toJSON(),
        s1Decr: this.s1Decr.toJSON(),
        s1Incr: this.s1Incr.toJSON(),
        s2Decr: this.s2Decr.toJSON(),
        s2Incr: this.s2Incr.toJSON(),
        incrCutpoint: encodeNumber(this.incrCutpoint),
        decrCutpoint: encodeNumber(this.decrCutpoint),
        drift: this.drift,
        warning: this.warning,
      },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): HDDM_W {
    const { params, state } = StateReader.open(input, 'HDDM_W');
    const detector = new HDDM_W(params as HddmWParams);
    const sample = (field: string) => WeightedSample.fromJSON(detector.lambdaVal, state.object(field));
    detector.total = sample('total');
    detector.s1Decr = sample('s1Decr');
    detector.s1Incr = sample('s1Incr');
    detector.s2Decr = sample('s2Decr');
    detector.s2Incr = sample('s2Incr');
    detector.incrCutpoint = state.number('incrCutpoint', { allowInfinite: true });
    detector.decrCutpoint = state.number('decrCutpoint', { allowInfinite: true });
    detector.drift = state.boolean('drift');
    detector.warning = state.boolean('warning');
    return detector;
  }

  private mcdiarmidBound(ibc: number, confidence: number): number {
    return Math.sqrt((ibc * Math.log(1 / confidence)) / 2);
  }

  /** River `_has_mean_changed(sample1, sample2, c)`: sample2.ewma − sample1.ewma > ε(ibc₁ + ibc₂, c). */
  private meanChanged(sample1: WeightedSample, sample2: WeightedSample, confidence: number): boolean {
    if (!(sample1.isInit && sample2.isInit)) return false;
    const bound = this.mcdiarmidBound(sample1.ibc + sample2.ibc, confidence);
    return sample2.mean - sample1.mean > bound;
  }

  private updateIncreaseStats(x: number): void {
    const eps = this.mcdiarmidBound(this.total.ibc, this.driftConfidence);
    if (this.total.mean + eps < this.incrCutpoint) {
      this.incrCutpoint = this.total.mean + eps;
      this.s1Incr = this.total.clone();
      this.s2Incr = new WeightedSample(this.lambdaVal);
    } else {
      this.s2Incr.update(x);
    }
  }

  private updateDecreaseStats(x: number): void {
    const eps = this.mcdiarmidBound(this.total.ibc, this.driftConfidence);
    if (this.total.mean - eps > this.decrCutpoint) {
      this.decrCutpoint = this.total.mean - eps;
      this.s1Decr = this.total.clone();
      this.s2Decr = new WeightedSample(this.lambdaVal);
    } else {
      this.s2Decr.update(x);
    }
  }

  private reset(): void {
    this.drift = false;
    this.warning = false;
    this.total = new WeightedSample(this.lambdaVal);
    this.s1Decr = new WeightedSample(this.lambdaVal);
    this.s1Incr = new WeightedSample(this.lambdaVal);
    this.s2Decr = new WeightedSample(this.lambdaVal);
    this.s2Incr = new WeightedSample(this.lambdaVal);
    this.incrCutpoint = Infinity;
    this.decrCutpoint = -Infinity;
  }
}
