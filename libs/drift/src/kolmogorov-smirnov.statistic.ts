import { DriftInputError } from './drift-input.error';

/** Result of a two-sample Kolmogorov–Smirnov test. */
export interface KsTwoSampleResult {
  /** D = sup_x |F₁(x) − F₂(x)|, snapped to the lattice h/n as SciPy does. */
  statistic: number;
  /** Exact two-sided p-value P(D_{n,n} ≥ statistic). */
  pValue: number;
}

/**
 * Largest `n` for which SciPy's `ks_2samp(method='auto')` takes the exact branch (its `MAX_AUTO_N`).
 * Above it SciPy switches to an asymptotic formula that is not ported here.
 */
export const KS_EXACT_MAX_N = 10000;

/**
 * Two-sided two-sample Kolmogorov–Smirnov test for samples of equal size n — a port of the branch of
 * `scipy.stats.ks_2samp(a, b, method='auto')` that KSWIN exercises (n₁ = n₂ = n ≤ 10000 → exact).
 *
 * D is computed from the empirical CDFs evaluated (right-continuously, `searchsorted(side='right')`) at every pooled
 * observation, so ties are handled as SciPy handles them; h = round(D·n) (half to even) and D = h/n. The p-value is
 * SciPy's `_compute_prob_outside_square(n, h)`: the probability that a lattice path leaves the band |x − y| < h,
 *
 *   P = 2 Σ_{k≥1} (−1)^{k−1} C(2n, n − kh) / C(2n, n),
 *
 * evaluated with SciPy's Horner-like nesting `P = 2·A₀(1 − A₁(1 − A₂(…)))` in the same operation order, so the doubles
 * agree with SciPy's (checked bit for bit in the spec against SciPy output).
 *
 * References: J. L. Hodges Jr., "The significance probability of the Smirnov two-sample test", Arkiv för Matematik 3,
 * 1958; SciPy `scipy/stats/_stats_py.py` (`ks_2samp`, `_attempt_exact_2kssamp`, `_compute_prob_outside_square`).
 */
export function ksTwoSampleEqualSizes(a: readonly number[], b: readonly number[]): KsTwoSampleResult {
  const n = a.length;
  if (n === 0 || b.length !== n) {
    throw new DriftInputError(
      'DRIFT.INVALID_ARGUMENT',
      `ksTwoSampleEqualSizes: both samples must be non-empty and of equal size, got ${a.length} and ${b.length}.`,
    );
  }
  if (n > KS_EXACT_MAX_N) {
    throw new DriftInputError(
      'DRIFT.INVALID_ARGUMENT',
      `ksTwoSampleEqualSizes: samples of size ${n} exceed ${KS_EXACT_MAX_N}, where SciPy switches to the asymptotic ` +
        'p-value (not ported); use smaller samples.',
    );
  }
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();

  // cdf1 − cdf2 at every pooled value; SciPy takes max(cddiffs) and max(−min(cddiffs), 0).
  let maxS = -Infinity;
  let minDiff = Infinity;
  const visit = (v: number): void => {
    const diff = upperBound(sa, v) / n - upperBound(sb, v) / n;
    if (diff > maxS) maxS = diff;
    if (diff < minDiff) minDiff = diff;
  };
  sa.forEach(visit);
  sb.forEach(visit);
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  const d = minS > maxS ? minS : maxS;

  // _attempt_exact_2kssamp with n1 = n2 = n: gcd = n, lcm = n.
  const h = roundHalfEven(d * n);
  const statistic = h / n;
  if (h === 0) return { statistic, pValue: 1.0 };
  const prob = probOutsideSquare(n, h);
  return { statistic, pValue: Math.min(Math.max(prob, 0), 1) };
}

/** SciPy `_compute_prob_outside_square(n, h)`: Pr(D_{n,n} ≥ h/n), same operation order. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1.0 - p);
    k -= 1;
  }
  return 2 * p;
}

/** Number of elements <= v in the sorted array (NumPy `searchsorted(side='right')`). */
function upperBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** NumPy `np.round` (round half to even) for non-negative values. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
