import { type DetectorStateEnvelope, encodeNumber, StateReader, type StoredNumber } from './detector-state.guard';
import {
  type BinaryDriftAndWarningDetector,
  type BinaryInput,
  ParameterCheck,
  toBinaryInput,
} from './drift-detector.contract';
import { RunningMean } from './running-moments.estimator';

/** DDM parameters (River `drift.binary.DDM`, camelCased). */
export interface DdmParams {
  /** Samples required before change can be signalled. Default 30. */
  warmStart?: number;
  /** Warning level w (≈95 % confidence). Default 2. */
  warningThreshold?: number;
  /** Drift level d (≈99 % confidence). Default 3. */
  driftThreshold?: number;
}

/** A serialised DDM (`toJSON()`). */
export type DdmState = DetectorStateEnvelope<
  'DDM',
  Required<DdmParams>,
  { p: { n: number; mean: number }; pMin: StoredNumber; sMin: StoredNumber; psMin: StoredNumber; drift: boolean; warning: boolean }
>;

/**
 * Drift Detection Method — a port of River's `drift.binary.DDM` (`river/drift/binary/ddm.py`).
 *
 * Input bits are errors (1/true) or successes (0/false). With p_i the running error rate and
 * s_i = sqrt(p_i (1 − p_i) / i), DDM records (p_min, s_min) where p_i + s_i is smallest (ties move the minimum), and
 * once more than `warmStart` samples have been seen:
 *
 *   p_i + s_i > p_min + w·s_min  → warning,   p_i + s_i > p_min + d·s_min  → drift (and the warning is cleared).
 *
 * Nothing is signalled during the warm-up; the update after a drift starts afresh with both flags cleared.
 *
 * Example (River's docstring, reproduced in `ddm.detector.spec.ts`): with `rng = Random(42)`, the stream
 * `choices([0, 1], k=1000) + choices([0, 1], k=1000, weights=[0.3, 0.7])` prints
 * "Warning detected at index 1084", "Change detected at index 1334", "Warning detected at index 1492".
 *
 * Reference: J. Gama, P. Medas, G. Castillo, P. Rodrigues, "Learning with drift detection", SBIA 2004, pp. 286–295.
 */
export class DDM implements BinaryDriftAndWarningDetector {
  readonly warmStart: number;
  readonly warningThreshold: number;
  readonly driftThreshold: number;

  private p = new RunningMean();
  private pMin = Infinity;
  private sMin = Infinity;
  private psMin = Infinity;
  private drift = false;
  private warning = false;

  constructor(params: DdmParams = {}) {
    const check = new ParameterCheck('DDM');
    this.warmStart = check.integer('warmStart', params.warmStart ?? 30, { min: 0 });
    this.warningThreshold = check.number('warningThreshold', params.warningThreshold ?? 2.0, { min: 0, minOpen: true });
    this.driftThreshold = check.number('driftThreshold', params.driftThreshold ?? 3.0, { min: 0, minOpen: true });
    check.require(
      this.warningThreshold <= this.driftThreshold,
      `warningThreshold (${this.warningThreshold}) must not exceed driftThreshold (${this.driftThreshold}), ` +
        'otherwise no warning can precede a drift.',
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
    const bit = toBinaryInput('DDM', x);
    if (this.drift) this.reset();

    this.p.update(bit);
    const pI = this.p.get();
    const n = this.p.n;
    const sI = Math.sqrt((pI * (1 - pI)) / n);

    if (n > this.warmStart) {
      if (pI + sI <= this.psMin) {
        this.pMin = pI;
        this.sMin = sI;
        this.psMin = this.pMin + this.sMin;
      }
      this.warning = pI + sI > this.pMin + this.warningThreshold * this.sMin;
      if (pI + sI > this.pMin + this.driftThreshold * this.sMin) {
        this.drift = true;
        this.warning = false;
      }
    }
    return this;
  }

  /** The detector as plain JSON; `DDM.fromJSON` of it continues exactly where this one is. */
  toJSON(): DdmState {
    return {
      kind: 'DDM',
      version: 1,
      params: { warmStart: this.warmStart, warningThreshold: this.warningThreshold, driftThreshold: this.driftThreshold },
      state: {
        p: this.p.toJSON(),
        pMin: encodeNumber(this.pMin),
        sMin: encodeNumber(this.sMin),
        psMin: encodeNumber(this.psMin),
        drift: this.drift,
        warning: this.warning,
      },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): DDM {
    const { params, state } = StateReader.open(input, 'DDM');
    const detector = new DDM(params as DdmParams);
    detector.p = RunningMean.fromJSON(state.object('p'));
    detector.pMin = state.number('pMin', { allowInfinite: true });
    detector.sMin = state.number('sMin', { allowInfinite: true });
    detector.psMin = state.number('psMin', { allowInfinite: true });
    detector.drift = state.boolean('drift');
    detector.warning = state.boolean('warning');
    return detector;
  }

  private reset(): void {
    this.drift = false;
    this.warning = false;
    this.p = new RunningMean();
    this.pMin = Infinity;
    this.sMin = Infinity;
    this.psMin = Infinity;
  }
}
