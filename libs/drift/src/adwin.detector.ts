import { type DetectorStateEnvelope, StateReader } from './detector-state.guard';
import { assertFiniteInput, type DriftDetector, ParameterCheck } from './drift-detector.contract';

/** ADWIN parameters (River `drift.ADWIN`, camelCased). */
export interface AdwinParams {
  /** Significance value δ ∈ (0, 1). Default 0.002. */
  delta?: number;
  /** Check for change every `clock` updates. Default 32. */
  clock?: number;
  /** Buckets of each size kept before two are merged (ADWIN2 compression). Default 5. */
  maxBuckets?: number;
  /** Minimum length of each sub-window considered at a cut. Default 5. */
  minWindowLength?: number;
  /** No change detection until the window holds more than this many values. Default 10. */
  gracePeriod?: number;
}

/** A serialised ADWIN (`toJSON()`): parameters plus the exponential histogram, row i holding buckets of size 2^i. */
export type AdwinState = DetectorStateEnvelope<
  'ADWIN',
  Required<AdwinParams>,
  {
    rows: { totals: number[]; variances: number[] }[];
    width: number;
    total: number;
    variance: number;
    tick: number;
    detections: number;
    drift: boolean;
  }
>;

/** One row of ADWIN's exponential histogram: up to `maxBuckets + 1` buckets of size 2^row (totals and variances). */
class BucketRow {
  size = 0;
  readonly totals: Float64Array;
  readonly variances: Float64Array;

  constructor(maxBuckets: number) {
    this.totals = new Float64Array(maxBuckets + 1);
    this.variances = new Float64Array(maxBuckets + 1);
  }

  insert(total: number, variance: number): void {
    this.totals[this.size] = total;
    this.variances[this.size] = variance;
    this.size++;
  }

  /** Drops the `count` oldest buckets (the front of the row). */
  compress(count: number): void {
    const remaining = this.size - count;
    if (remaining > 0) {
      this.totals.copyWithin(0, count, this.size);
      this.variances.copyWithin(0, count, this.size);
    }
    for (let i = Math.max(remaining, 0); i < this.size; i++) {
      this.totals[i] = 0;
      this.variances[i] = 0;
    }
    this.size -= count;
  }
}

/**
 * ADaptive WINdowing (ADWIN2) drift detector — a port of River's `drift.ADWIN` and its Cython helper
 * `AdaptiveWindowing` (`river/drift/adwin.py`, `adwin_c.pyx`).
 *
 * ADWIN keeps a variable-length window W compressed into an exponential histogram. Every `clock` updates (once the
 * window is wider than `gracePeriod`), it scans the cuts W = W0·W1 from the oldest bucket on and reports a change at
 * the first cut whose sub-windows (both at least `minWindowLength` long) satisfy |μ̂0 − μ̂1| > ε_cut, with
 *
 *   m⁻¹ = 1/(n0 − minWindowLength + 1) + 1/(n1 − minWindowLength + 1),   δ' = ln(2 ln|W| / δ),
 *   ε_cut = sqrt(2 m⁻¹ σ²_W δ') + (2/3) δ' m⁻¹,
 *
 * where σ²_W is the window variance; on a change the oldest bucket is dropped and the scan repeats.
 *
 * River behaviours kept on purpose: the update after a drift starts a fresh window (so `nDetections` is 0 or 1 — it
 * counts detections since the last reset); `variance` is the window's sum of squared deviations (not divided by the
 * width), exactly River's `ADWIN.variance`.
 *
 * Example (River's docstring, reproduced in `adwin.detector.spec.ts`):
 * ```ts
 * const rng = new PythonRandom(12345);
 * const stream = [...rng.choices([0, 1], { k: 1000 }), ...rng.choices([4, 5, 6, 7], { k: 1000 })];
 * const adwin = new ADWIN();
 * stream.forEach((x, i) => { if (adwin.update(x).driftDetected) console.log(`Change detected at index ${i}, input value: ${x}`); });
 * // Change detected at index 1023, input value: 4
 * ```
 *
 * References: A. Bifet and R. Gavaldà, "Learning from time-changing data with adaptive windowing", SIAM SDM 2007,
 * pp. 443–448; B. Babcock, M. Datar, R. Motwani, L. O'Callaghan, "Maintaining variance and k-medians over data stream
 * windows", PODS 2003 (bucket variance merging).
 */
export class ADWIN implements DriftDetector {
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly gracePeriod: number;

  private rows: BucketRow[] = [];
  private windowWidth = 0;
  private windowTotal = 0;
  private windowVariance = 0;
  private tick = 0;
  private detections = 0;
  private drift = false;

  constructor(params: AdwinParams = {}) {
    const check = new ParameterCheck('ADWIN');
    this.delta = check.number('delta', params.delta ?? 0.002, { min: 0, max: 1, minOpen: true, maxOpen: true });
    this.clock = check.integer('clock', params.clock ?? 32, { min: 1 });
    this.maxBuckets = check.integer('maxBuckets', params.maxBuckets ?? 5, { min: 1 });
    this.minWindowLength = check.integer('minWindowLength', params.minWindowLength ?? 5, { min: 1 });
    this.gracePeriod = check.integer('gracePeriod', params.gracePeriod ?? 10, { min: 0 });
    this.reset();
  }

  /** Whether the last update detected a change. */
  get driftDetected(): boolean {
    return this.drift;
  }

  /** Number of values in the current window (River `width`). */
  get width(): number {
    return this.windowWidth;
  }

  /** Sum of the values in the window (River `total`). */
  get total(): number {
    return this.windowTotal;
  }

  /** Sum of squared deviations from the window mean (River `variance`, which is not divided by the width). */
  get variance(): number {
    return this.windowVariance;
  }

  /** Mean of the window, 0 when empty (River `estimation`). */
  get estimation(): number {
    return this.windowWidth === 0 ? 0.0 : this.windowTotal / this.windowWidth;
  }

  /** Detections since the last reset (River `n_detections`; River resets on the update after a drift, so 0 or 1). */
  get nDetections(): number {
    return this.detections;
  }

  update(x: number): this {
    assertFiniteInput('ADWIN', x);
    if (this.drift) this.reset();
    this.insertElement(x);
    this.drift = this.detectChange();
    return this;
  }

  /** The detector as plain JSON; `ADWIN.fromJSON(JSON.parse(JSON.stringify(x.toJSON())))` continues exactly as `x`. */
  toJSON(): AdwinState {
    return {
      kind: 'ADWIN',
      version: 1,
      params: {
        delta: this.delta,
        clock: this.clock,
        maxBuckets: this.maxBuckets,
        minWindowLength: this.minWindowLength,
        gracePeriod: this.gracePeriod,
      },
      state: {
        rows: this.rows.map((row) => ({
          totals: Array.from(row.totals.subarray(0, row.size)),
          variances: Array.from(row.variances.subarray(0, row.size)),
        })),
        width: this.windowWidth,
        total: this.windowTotal,
        variance: this.windowVariance,
        tick: this.tick,
        detections: this.detections,
        drift: this.drift,
      },
    };
  }

  /** Restores a detector from `toJSON()` output; throws `DriftInputError` (`DRIFT.INVALID_STATE`) if it is malformed. */
  static fromJSON(input: unknown): ADWIN {
    const { params, state } = StateReader.open(input, 'ADWIN');
    const adwin = new ADWIN(params as AdwinParams);
    const rows = state.objects('rows');
    if (rows.length === 0) throw state.fail('field "state.rows" must hold at least one row');
    adwin.rows = rows.map((row) => {
      const totals = row.numbers('totals');
      const variances = row.numbers('variances', totals.length);
      if (totals.length > adwin.maxBuckets + 1) {
        throw state.fail(`a histogram row holds at most maxBuckets + 1 = ${adwin.maxBuckets + 1} buckets, got ${totals.length}`);
      }
      const restored = new BucketRow(adwin.maxBuckets);
      totals.forEach((total, k) => restored.insert(total, variances[k] as number));
      return restored;
    });
    adwin.windowWidth = state.number('width', { integer: true, min: 0 });
    const buckets = adwin.rows.reduce((sum, row, i) => sum + row.size * 2 ** i, 0);
    if (buckets !== adwin.windowWidth) {
      throw state.fail(`field "state.width" (${adwin.windowWidth}) must equal the values held by the buckets (${buckets})`);
    }
    adwin.windowTotal = state.number('total');
    adwin.windowVariance = state.number('variance');
    adwin.tick = state.number('tick', { integer: true, min: 0 });
    adwin.detections = state.number('detections', { integer: true, min: 0 });
    adwin.drift = state.boolean('drift');
    return adwin;
  }

  private reset(): void {
    this.drift = false;
    this.rows = [new BucketRow(this.maxBuckets)];
    this.windowWidth = 0;
    this.windowTotal = 0;
    this.windowVariance = 0;
    this.tick = 0;
    this.detections = 0;
  }

  private insertElement(value: number): void {
    (this.rows[0] as BucketRow).insert(value, 0.0);
    this.windowWidth += 1;
    let incrementalVariance = 0.0;
    if (this.windowWidth > 1.0) {
      const mean = this.windowTotal / (this.windowWidth - 1.0);
      incrementalVariance = ((this.windowWidth - 1.0) * (value - mean) * (value - mean)) / this.windowWidth;
    }
    this.windowVariance += incrementalVariance;
    this.windowTotal += value;
    this.compressBuckets();
  }

  /** Merges the two oldest buckets of a full row into the next row, cascading while rows overflow. */
  private compressBuckets(): void {
    for (let idx = 0; idx < this.rows.length; idx++) {
      const row = this.rows[idx] as BucketRow;
      if (row.size !== this.maxBuckets + 1) break;
      if (idx + 1 >= this.rows.length) this.rows.push(new BucketRow(this.maxBuckets));
      const next = this.rows[idx + 1] as BucketRow;
      const n1 = 2 ** idx;
      const mu1 = (row.totals[0] as number) / n1;
      const mu2 = (row.totals[1] as number) / n1;
      const total12 = (row.totals[0] as number) + (row.totals[1] as number);
      // n1·n2/(n1 + n2) = n1/2 since both buckets have size 2^idx (River computes it this way too).
      const temp = n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      const v12 = (row.variances[0] as number) + (row.variances[1] as number) + temp;
      next.insert(total12, v12);
      row.compress(2);
      if (next.size <= this.maxBuckets) break;
    }
  }

  /** Removes the oldest bucket (last row, front) and returns its size. */
  private deleteElement(): number {
    const last = this.rows.length - 1;
    const row = this.rows[last] as BucketRow;
    const n = 2 ** last;
    const u = row.totals[0] as number;
    const mu = u / n;
    const v = row.variances[0] as number;
    this.windowWidth -= n;
    this.windowTotal -= u;
    const muWindow = this.windowTotal / this.windowWidth;
    this.windowVariance -= v + (n * this.windowWidth * (mu - muWindow) * (mu - muWindow)) / (n + this.windowWidth);
    row.compress(1);
    if (row.size === 0) this.rows.pop();
    return n;
  }

  private detectChange(): boolean {
    let changeDetected = false;
    this.tick += 1;
    if (this.tick % this.clock === 0 && this.windowWidth > this.gracePeriod) {
      let reduceWidth = true;
      while (reduceWidth) {
        reduceWidth = false;
        let exit = false;
        let n0 = 0.0;
        let n1 = this.windowWidth;
        let u0 = 0.0;
        let u1 = this.windowTotal;
        // River also maintains the sub-window variances v0/v1 here but never reads them; the cut test uses the
        // variance of the whole window. They are omitted: they cannot change any decision.
        for (let idx = this.rows.length - 1; idx >= 0 && !exit; idx--) {
          const row = this.rows[idx] as BucketRow;
          const bucketSize = 2 ** idx;
          for (let k = 0; k < row.size; k++) {
            const total = row.totals[k] as number;
            n0 += bucketSize;
            n1 -= bucketSize;
            u0 += total;
            u1 -= total;
            if (idx === 0 && k === row.size - 1) {
              exit = true;
              break;
            }
            const deltaMean = u0 / n0 - u1 / n1;
            if (n1 >= this.minWindowLength && n0 >= this.minWindowLength && this.evaluateCut(n0, n1, deltaMean)) {
              reduceWidth = true;
              changeDetected = true;
              if (this.windowWidth > 0) {
                n0 -= this.deleteElement();
                exit = true;
                break;
              }
            }
          }
        }
      }
    }
    if (changeDetected) this.detections += 1;
    return changeDetected;
  }

  private evaluateCut(n0: number, n1: number, deltaMean: number): boolean {
    const deltaPrime = Math.log((2 * Math.log(this.windowWidth)) / this.delta);
    const mRecip = 1.0 / (n0 - this.minWindowLength + 1) + 1.0 / (n1 - this.minWindowLength + 1);
    const epsilon =
      Math.sqrt(2 * mRecip * (this.windowVariance / this.windowWidth) * deltaPrime) + (2.0 / 3.0) * deltaPrime * mRecip;
    return Math.abs(deltaMean) > epsilon;
  }
}
