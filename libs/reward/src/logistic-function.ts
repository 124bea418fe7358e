/**
 * The logistic sigmoid σ(z) = 1 / (1 + e^(−z)), evaluated without overflow for any finite z.
 *
 * For z < 0 we use the algebraically equal e^z / (1 + e^z) so that e^(−z) never overflows to Infinity, which would turn
 * a confident negative score into 0/∞ and, further down, p·(1 − p) into NaN.
 */
export function sigmoid(z: number): number {
  if (z >= 0) {
    return 1 / (1 + Math.exp(-z));
  }
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * log σ(z) = −log(1 + e^(−z)), evaluated stably: for z ≥ 0 as −log1p(e^(−z)), for z < 0 as z − log1p(e^z).
 *
 * The naive Math.log(sigmoid(z)) returns −Infinity once σ(z) underflows (z ≲ −745), while the true value is ≈ z.
 */
export function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}
