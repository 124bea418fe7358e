import { sigmoid } from './logistic-function';

/** Newton stops when a step moves α by at most this much relative to max(1, |α|). */
export const LAPLACE_STEP_TOLERANCE = 1e-12;
/**
 * Hard cap on iterations. Newton with the bisection safeguard converges quadratically from the first fixed-point guess
 * (typically 3–6 iterations); bisection alone would need ~40 halvings of an interval of width c to reach 1e-12·c, so
 * 100 can only be reached on pathological input, where we return the best bracketed estimate.
 */
export const LAPLACE_STEP_MAX_ITERATIONS = 100;

/**
 * Solves the scalar equation of a one-observation Laplace step for a diagonal Gaussian prior.
 *
 * The MAP of  ½ Σ_f (w_f − m_f)² / v_f − c·[y log σ(z) + (1 − y) log σ(−z)],  z = o + w·x,
 * satisfies (w − m)/v = c·(y − σ(z))·x, so it lies on the line w = m + α·(v∘x) with
 *
 *   g(α) = α − c·(y − σ(z₀ + α·s)) = 0,   z₀ = o + m·x,   s = Σ_f x_f² v_f.
 *
 * g is strictly increasing (g′ = 1 + c·s·σ(1 − σ) ≥ 1), and because y − σ ∈ (y − 1, y) the root lies in
 * [c·(y − 1), c·y], where g changes sign. We run Newton from the fixed-point guess c·(y − σ(z₀)) and fall back to
 * bisection whenever a Newton step would leave the current bracket (safeguarded Newton, Press et al., *Numerical
 * Recipes*, §9.4 "rtsafe"). Chapelle & Li 2011 (Algorithm 3) apply the same Laplace approximation in batch; solving the
 * one-observation problem along this line is the exact scalar reduction of it.
 *
 * @param z0 offset plus the prior-mean score, o + m·x
 * @param s  Σ_f x_f² v_f, the prior predictive variance of the score (≥ 0)
 * @param y  soft label in [0, 1]
 * @param c  observation weight (> 0)
 * @returns α, the step along v∘x to the mode
 */
export function solveLaplaceStep(z0: number, s: number, y: number, c: number): number {
  let alpha = c * (y - sigmoid(z0));
  // With no prior uncertainty along x the mode cannot move; α is then only a formality.
  if (s === 0) return alpha;
  let lo = c * (y - 1);
  let hi = c * y;
  for (let iteration = 0; iteration < LAPLACE_STEP_MAX_ITERATIONS; iteration++) {
    const p = sigmoid(z0 + alpha * s);
    const g = alpha - c * (y - p);
    if (g === 0) return alpha;
    if (g > 0) hi = alpha;
    else lo = alpha;
    const tolerance = LAPLACE_STEP_TOLERANCE * Math.max(1, Math.abs(alpha));
    const step = g / (1 + c * s * p * (1 - p));
    // Tested before the bracket: at convergence the Newton step can round to α itself (= lo or hi), which the bracket
    // test would reject and replace by a bisection step *away* from the root.
    if (Math.abs(step) <= tolerance) return alpha - step;
    let next = alpha - step;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo <= tolerance) return next;
    alpha = next;
  }
  return alpha;
}
