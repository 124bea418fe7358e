import { solveLaplaceStep } from '../laplace-step.solver';
import { sigmoid } from '../logistic-function';

/** One stored feature of the reference posterior. */
interface Entry {
  mean: number;
  variance: number;
  prior: number;
}

/**
 * The one-observation Laplace / ADF step of DiagonalGaussianLogistic written plainly, over a Map from feature names to
 * entries — the layout the model had before issue #13 interned its features — as the oracle of the interned layout's
 * property tests. It does the same arithmetic in the same order (the order of the observation's features), so the two
 * must agree bit for bit: anything else is a change of the model, not of how it is stored. Only the scalar solver is
 * shared (it is tested on its own against bisection).
 */
export class NamedPosteriorReference {
  readonly entries = new Map<string, Entry>();

  constructor(
    private readonly priorVariance: (feature: string) => number,
    private readonly forgetting: number,
  ) {}

  /** offset + Σ m_f x_f over the features stored. */
  logit(x: readonly (readonly [string, number])[], offset: number): number {
    let z = offset;
    for (const [feature, value] of x) {
      const entry = this.entries.get(feature);
      if (entry) z += entry.mean * value;
    }
    return z;
  }

  /** Learns (x, y, weight, offset) and returns the score before; throws, changing nothing, when the model refuses. */
  update(x: readonly (readonly [string, number])[], y: number, weight: number, offset: number): number {
    const touched: { feature: string; value: number; mean: number; variance: number; prior: number }[] = [];
    let z0 = offset;
    let s = 0;
    for (const [feature, value] of x) {
      if (!Number.isFinite(value)) throw new RangeError(`feature ${feature} is ${value}`);
      if (value === 0) continue;
      const entry = this.entries.get(feature);
      const prior = entry ? entry.prior : this.priorVariance(feature);
      if (!entry && prior === 0) continue;
      const variance = entry ? Math.min(entry.variance + this.forgetting, prior) : prior;
      if (entry) z0 += entry.mean * value;
      touched.push({ feature, value, mean: entry ? entry.mean : 0, variance, prior });
      s += value * value * variance;
    }
    if (!Number.isFinite(z0) || !Number.isFinite(s)) throw new RangeError('score or its variance not finite');
    // Canonical orientation: (x, y) and (−x, 1 − y) are the same observation.
    const flip = y < 0.5 || (y === 0.5 && z0 < 0);
    const alphaC = solveLaplaceStep(flip ? -z0 : z0, s, flip ? 1 - y : y, weight);
    const p = sigmoid((flip ? -z0 : z0) + alphaC * s);
    const curvature = weight * p * (1 - p);
    const alpha = flip ? -alphaC : alphaC;
    const next = touched.map(({ feature, value, mean, variance, prior }) => ({
      feature,
      mean: mean + alpha * variance * value,
      variance: variance / (1 + variance * curvature * value * value),
      prior,
    }));
    if (next.some(({ mean, variance }) => !Number.isFinite(mean) || !Number.isFinite(1 / variance))) throw new RangeError('posterior not finite');
    for (const { feature, mean, variance, prior } of next) {
      const entry = this.entries.get(feature);
      if (entry) (entry.mean = mean), (entry.variance = variance);
      else this.entries.set(feature, { mean, variance, prior });
    }
    return z0;
  }

  /** The features whose state differs from the prior, in the order they were stored, as [feature, mean, variance]. */
  posterior(): [string, number, number][] {
    return [...this.entries].filter(([, e]) => e.mean !== 0 || e.variance !== e.prior).map(([feature, e]) => [feature, e.mean, e.variance]);
  }

  /** A copy holding only the entries that differ from the prior (what a JSON round trip keeps). */
  copy(): NamedPosteriorReference {
    const copy = new NamedPosteriorReference(this.priorVariance, this.forgetting);
    for (const [feature, e] of this.entries) if (e.mean !== 0 || e.variance !== e.prior) copy.entries.set(feature, { ...e });
    return copy;
  }
}
