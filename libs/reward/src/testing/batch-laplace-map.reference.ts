import { logSigmoid, sigmoid } from '../logistic-function';

/** One dense logistic observation for the batch reference. */
export interface DenseObservation {
  x: readonly number[];
  y: number;
  weight: number;
  offset: number;
}

/** Mode and full Hessian of the batch MAP objective. */
export interface BatchLaplaceResult {
  mode: number[];
  hessian: number[][];
}

/**
 * Batch Laplace approximation by full-Hessian Newton — the test oracle. Deliberately plain: dense arrays, explicit
 * gradient and Hessian, Cholesky solve, Armijo backtracking.
 *
 *   F(w) = ½ Σ_f (w_f − m_f)²/v_f − Σ_i c_i·[y_i log σ(z_i) + (1 − y_i) log σ(−z_i)],   z_i = o_i + w·x_i
 *   ∇F   = (w − m)/v − Σ_i c_i (y_i − σ(z_i)) x_i
 *   ∇²F  = diag(1/v) + Σ_i c_i σ(z_i)(1 − σ(z_i)) x_i x_iᵀ
 */
export function batchLaplaceMap(
  observations: readonly DenseObservation[],
  priorMean: readonly number[],
  priorVariance: readonly number[],
): BatchLaplaceResult {
  const d = priorMean.length;
  const objective = (w: readonly number[]): number => {
    let total = 0;
    for (let f = 0; f < d; f++) total += (0.5 * (w[f]! - priorMean[f]!) ** 2) / priorVariance[f]!;
    for (const { x, y, weight, offset } of observations) {
      const z = offset + dot(w, x);
      total -= weight * (y * logSigmoid(z) + (1 - y) * logSigmoid(-z));
    }
    return total;
  };
  const gradientAndHessian = (w: readonly number[]): { gradient: number[]; hessian: number[][] } => {
    const gradient = w.map((wf, f) => (wf - priorMean[f]!) / priorVariance[f]!);
    const hessian = Array.from({ length: d }, (_, r) =>
      Array.from({ length: d }, (_, c) => (r === c ? 1 / priorVariance[r]! : 0)),
    );
    for (const { x, y, weight, offset } of observations) {
      const p = sigmoid(offset + dot(w, x));
      for (let r = 0; r < d; r++) {
        gradient[r]! -= weight * (y - p) * x[r]!;
        for (let c = 0; c < d; c++) hessian[r]![c]! += weight * p * (1 - p) * x[r]! * x[c]!;
      }
    }
    return { gradient, hessian };
  };

  let w = [...priorMean];
  for (let iteration = 0; iteration < 200; iteration++) {
    const { gradient, hessian } = gradientAndHessian(w);
    const step = choleskySolve(hessian, gradient);
    const decrease = dot(gradient, step);
    if (decrease < 1e-28) break; // Newton decrement² ≈ 0: at the optimum to machine precision
    let t = 1;
    const current = objective(w);
    let candidate = w.map((wf, f) => wf - t * step[f]!);
    // Armijo backtracking only while far from the optimum: near it F cannot resolve a decrease of ~1e-20 in floating
    // point, and the full Newton step is what converges (quadratically) there.
    while (decrease > 1e-10 && objective(candidate) > current - 1e-4 * t * decrease && t > 1e-10) {
      t /= 2;
      candidate = w.map((wf, f) => wf - t * step[f]!);
    }
    w = candidate;
  }
  return { mode: w, hessian: gradientAndHessian(w).hessian };
}

function dot(a: readonly number[], b: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i]! * b[i]!;
  return total;
}

/** Solves A·x = b for symmetric positive-definite A by Cholesky A = L·Lᵀ. */
function choleskySolve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i]![j]!;
      for (let k = 0; k < j; k++) sum -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(sum) : sum / l[j]![j]!;
    }
  }
  const forward = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i]![k]! * forward[k]!;
    forward[i] = sum / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = forward[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k]![i]! * x[k]!;
    x[i] = sum / l[i]![i]!;
  }
  return x;
}
