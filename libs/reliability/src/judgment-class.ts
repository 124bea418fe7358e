/**
 * Likelihoods of one (user, pair) signal's judgments under the three label models of issue #15, and the posterior over
 * them. Counts may be fractional (a tie adds ½ to each side), which the exponents take as they are.
 *
 * - genuine: one direction d for the pair under every condition; each judgment follows it with probability 1 − ε.
 * - constructed: a direction d_c of its own per condition c (framing, surface, question order), each followed with
 *   probability 1 − ε. With a single condition it predicts what genuine predicts; across conditions it pays a factor ½
 *   per extra condition (Bayesian Occam), so consistency across conditions is evidence for genuine and a flip for it.
 * - non-attitude: no preference; each judgment goes to the first-shown item with probability b (the user's position
 *   bias, ½ without one) and is a fair coin when the position is unknown or the judgment is a tie.
 */
export type LabelClass = 'genuine' | 'non-attitude' | 'constructed';

export const LABEL_CLASSES: readonly LabelClass[] = ['genuine', 'non-attitude', 'constructed'];

/** Posterior probability of each class. */
export type ClassPosterior = Readonly<Record<LabelClass, number>>;

/** Judgments of one pair under one condition: `n` judgments, `a` of them for the pair's first item (by id order). */
export interface ConditionCounts {
  n: number;
  a: number;
}

/** Judgments of one pair by where the chosen item was shown. */
export interface PositionCounts {
  /** chosen item shown first (position 0). */
  first: number;
  /** chosen item shown second (position 1). */
  second: number;
  /** position unknown, or a tie. */
  unknown: number;
}

/** ln of ½[(1 − ε)^a ε^b + ε^a (1 − ε)^b]: one consistent direction, unknown which, followed with probability 1 − ε. */
export function logConsistent(a: number, b: number, epsilon: number): number {
  const keep = Math.log(1 - epsilon);
  const flip = Math.log(epsilon);
  return logSumExp(a * keep + b * flip, a * flip + b * keep) - Math.LN2;
}

/** ln-likelihood of a signal under each class (see the file's documentation). */
export function classLogLikelihoods(
  conditions: Iterable<ConditionCounts>,
  positions: PositionCounts,
  epsilon: number,
  firstShownProbability: number,
): Record<LabelClass, number> {
  let a = 0;
  let n = 0;
  let constructed = 0;
  for (const condition of conditions) {
    a += condition.a;
    n += condition.n;
    constructed += logConsistent(condition.a, condition.n - condition.a, epsilon);
  }
  const b = firstShownProbability;
  const nonAttitude = positions.first * Math.log(b) + positions.second * Math.log(1 - b) - positions.unknown * Math.LN2;
  return { genuine: logConsistent(a, n - a, epsilon), 'non-attitude': nonAttitude, constructed };
}

/** Bayes' rule over the three classes: prior ∝ `prior`, likelihoods on the log scale. */
export function classPosterior(logLikelihood: Record<LabelClass, number>, prior: ClassPosterior): ClassPosterior {
  const g = Math.log(prior.genuine) + logLikelihood.genuine;
  const na = Math.log(prior['non-attitude']) + logLikelihood['non-attitude'];
  const c = Math.log(prior.constructed) + logLikelihood.constructed;
  const top = Math.max(g, na, c);
  const eg = Math.exp(g - top);
  const ena = Math.exp(na - top);
  const ec = Math.exp(c - top);
  const total = eg + ena + ec;
  return { genuine: eg / total, 'non-attitude': ena / total, constructed: ec / total };
}

/** The most probable class, or 'unknown' when it is below `threshold` or the signal has fewer than `minJudgments`. */
export function decideClass(posterior: ClassPosterior, judgments: number, threshold: number, minJudgments: number): LabelClass | 'unknown' {
  if (judgments < minJudgments) return 'unknown';
  let best: LabelClass = 'genuine';
  for (const label of LABEL_CLASSES) if (posterior[label] > posterior[best]) best = label;
  return posterior[best] >= threshold ? best : 'unknown';
}

function logSumExp(x: number, y: number): number {
  const top = Math.max(x, y);
  return top + Math.log(Math.exp(x - top) + Math.exp(y - top));
}
