import type { StateReader } from './detector-state.guard';

/**
 * The running statistics River's detectors are built on, ported with River's exact update order so that every float
 * the detectors compare is the one River computes.
 */

/**
 * Running mean, River `stats.Mean`: `n += w; mean += (w / n) * (x - mean)` (West 1979).
 *
 * Reference: D. H. D. West, "Updating mean and variance estimates: an improved method", CACM 22(9), 1979.
 */
export class RunningMean {
  n = 0;
  private mean = 0.0;

  update(x: number, w = 1.0): this {
    this.n += w;
    this.mean += (w / this.n) * (x - this.mean);
    return this;
  }

  get(): number {
    return this.mean;
  }

  clone(): RunningMean {
    const copy = new RunningMean();
    copy.n = this.n;
    copy.mean = this.mean;
    return copy;
  }

  toJSON(): { n: number; mean: number } {
    return { n: this.n, mean: this.mean };
  }

  static fromJSON(state: StateReader): RunningMean {
    const restored = new RunningMean();
    restored.n = state.number('n', { min: 0 });
    restored.mean = state.number('mean');
    return restored;
  }
}

/**
 * Running variance, River `stats.Var(ddof)`: Welford's algorithm,
 * `S += w (x - mean_old)(x - mean_new)`, variance `S / (n - ddof)` once `n > ddof`, else 0.
 *
 * Reference: B. P. Welford, "Note on a method for calculating corrected sums of squares and products",
 * Technometrics 4(3), 1962.
 */
export class RunningVariance {
  private s = 0;

  constructor(
    readonly ddof = 1,
    readonly mean = new RunningMean(),
  ) {}

  get n(): number {
    return this.mean.n;
  }

  update(x: number, w = 1.0): this {
    const meanOld = this.mean.get();
    this.mean.update(x, w);
    const meanNew = this.mean.get();
    this.s += w * (x - meanOld) * (x - meanNew);
    return this;
  }

  get(): number {
    if (this.n > this.ddof) return this.s / (this.n - this.ddof);
    return 0.0;
  }

  toJSON(): { n: number; mean: number; s: number } {
    return { ...this.mean.toJSON(), s: this.s };
  }

  static fromJSON(state: StateReader, ddof = 1): RunningVariance {
    const restored = new RunningVariance(ddof, RunningMean.fromJSON(state));
    restored.s = state.number('s', { min: 0 });
    return restored;
  }
}

/**
 * Exponentially weighted mean, River `stats.EWMean(fading_factor)` (backed by the Rust `watermill` crate):
 * `mean = x` while `mean == 0`, else `mean = α x + (1 − α) mean`.
 *
 * The `mean == 0` test is River's, not a textbook EWMA: a run of zeros keeps the mean at 0 and the next non-zero value
 * replaces it outright. HDDM_W's bounds depend on it, so it is kept.
 */
export class FadingMean {
  private mean = 0.0;

  constructor(readonly fadingFactor: number) {}

  update(x: number): this {
    if (this.mean === 0) this.mean = x;
    else this.mean = this.fadingFactor * x + (1.0 - this.fadingFactor) * this.mean;
    return this;
  }

  get(): number {
    return this.mean;
  }

  clone(): FadingMean {
    const copy = new FadingMean(this.fadingFactor);
    copy.mean = this.mean;
    return copy;
  }

  toJSON(): number {
    return this.mean;
  }

  static restore(fadingFactor: number, mean: number): FadingMean {
    const restored = new FadingMean(fadingFactor);
    restored.mean = mean;
    return restored;
  }
}
