import type { ConditionCounts } from './judgment-class';

type Counts = Pick<ConditionCounts, 'n' | 'a'>;

/** Agreeing pairs and pairs compared: an agreement rate with its denominator (null rate when nothing was compared). */
export interface Agreement {
  agreeing: number;
  compared: number;
}

/**
 * Test–retest agreement: the share of pairs of judgments *under the same condition* that agree, Σ_c [C(a_c, 2) +
 * C(b_c, 2)] / Σ_c C(n_c, 2). Every pair of repeats counts, not only consecutive ones, so it needs only the counts.
 */
export function retestAgreement(conditions: Iterable<Counts>): Agreement {
  let agreeing = 0;
  let compared = 0;
  for (const { n, a } of conditions) {
    const b = n - a;
    agreeing += (a * (a - 1) + b * (b - 1)) / 2;
    compared += (n * (n - 1)) / 2;
  }
  return { agreeing: Math.max(0, agreeing), compared };
}

/**
 * Agreement across conditions: the share of pairs of judgments made *under different conditions* that agree,
 * Σ_{c<c'} (a_c a_c' + b_c b_c') / Σ_{c<c'} n_c n_c'. Computed from the totals: Σ_{c<c'} x_c x_c' = ½[(Σx)² − Σx²].
 */
export function crossConditionAgreement(conditions: Iterable<Counts>): Agreement {
  let a = 0;
  let b = 0;
  let n = 0;
  let aa = 0;
  let bb = 0;
  let nn = 0;
  for (const condition of conditions) {
    const other = condition.n - condition.a;
    a += condition.a;
    b += other;
    n += condition.n;
    aa += condition.a * condition.a;
    bb += other * other;
    nn += condition.n * condition.n;
  }
  return { agreeing: (a * a - aa + (b * b - bb)) / 2, compared: (n * n - nn) / 2 };
}
