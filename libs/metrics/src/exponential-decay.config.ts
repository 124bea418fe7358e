import { MetricInputError } from './metric-input.error';

/**
 * How fast an exponentially weighted metric forgets, counted in events (not wall-clock time): either a half-life —
 * the number of events after which an observation weighs half as much — or the per-event decay factor λ directly.
 * `{ decay: 1 }` means no forgetting (a plain cumulative average).
 */
export type DecayOptions = { readonly halfLife: number } | { readonly decay: number };

/**
 * Resolves {@link DecayOptions} to the per-event factor λ ∈ (0, 1]: λ = 2^(−1/h) for a half-life h, so that
 * λ^h = 1/2. Events rather than seconds because drift is about what a user was shown and chose, and a user who is away
 * for a week has not been narrowed by the week.
 */
export function resolveDecayFactor(options: DecayOptions): number {
  if ('halfLife' in options) {
    const h = options.halfLife;
    if (typeof h !== 'number' || !Number.isFinite(h) || h <= 0) {
      throw new MetricInputError(
        'METRICS.INVALID_OPTION',
        `halfLife must be a finite number of events > 0, got ${String(h)}; use { decay: 1 } for no forgetting`,
      );
    }
    return Math.pow(2, -1 / h);
  }
  const lambda = options.decay;
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda <= 0 || lambda > 1) {
    throw new MetricInputError(
      'METRICS.INVALID_OPTION',
      `decay must be a factor in (0, 1], got ${String(lambda)}; 1 keeps everything, 0.5 halves each event`,
    );
  }
  return lambda;
}
