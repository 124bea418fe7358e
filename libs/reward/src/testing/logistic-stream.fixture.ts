import { sigmoid } from '../logistic-function';
import type { DenseObservation } from './batch-laplace-map.reference';
import { gaussian, mulberry32 } from '@chorus/random';

/**
 * A seeded stream from a known logistic model: x = (1, z₁, …, z_{d−1}) with z ~ N(0, 1), y ~ Bernoulli(σ(truth·x)).
 * Feature 0 is the bias.
 */
export function logisticStream(seed: number, truth: readonly number[], n: number): DenseObservation[] {
  const random = mulberry32(seed);
  const out: DenseObservation[] = [];
  for (let i = 0; i < n; i++) {
    const x = truth.map((_, f) => (f === 0 ? 1 : gaussian(random)));
    const p = sigmoid(x.reduce((sum, value, f) => sum + value * truth[f]!, 0));
    out.push({ x, y: random() < p ? 1 : 0, weight: 1, offset: 0 });
  }
  return out;
}

/** Dense → sparse with the given feature names (zeros dropped, like the library's own vectors). */
export function toSparse(x: readonly number[], names: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  x.forEach((value, f) => {
    if (value !== 0) out.set(names[f]!, value);
  });
  return out;
}
