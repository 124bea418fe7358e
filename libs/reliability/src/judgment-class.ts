/**
 * Likelihoods of one (user, pair) signal's judgments under the three label models of issue #15, and the posterior over
 * them. Counts may be fractional (a tie adds ½ to each side), which the exponents take as they are.
 *
 * - genuine: one direction d for the pair under every condition; each judgment follows it with probability 1 − ε
 *   (or, for a user with a position bias, the favoured position with probability β; see logConsistentPlaced).
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

/**
 * Judgments of one pair under one condition: `n` judgments, `a` of them for the pair's first item (by id order), and
 * by where the chosen item was shown: `aFirst` = a chosen while shown first, `aSecond` while shown second, and the same
 * for b. Judgments at an unknown position and ties are the rest (a − aFirst − aSecond for a; a tie counts ½ to a).
 */
export interface ConditionCounts {
  n: number;
  a: number;
  aFirst: number;
  aSecond: number;
  bFirst: number;
  bSecond: number;
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

/** Counts of judgments with nothing known of positions. */
export function unplacedCounts(n: number, a: number): ConditionCounts {
  return { n, a, aFirst: 0, aSecond: 0, bFirst: 0, bSecond: 0 };
}

/** ln of ½[(1 − ε)^a ε^b + ε^a (1 − ε)^b]: one consistent direction, unknown which, followed with probability 1 − ε. */
export function logConsistent(a: number, b: number, epsilon: number): number {
  return logConsistentPlaced(unplacedCounts(a + b, a), epsilon, 0.5);
}

/**
 * ln-likelihood of one condition's judgments under "one consistent direction, unknown which" for a user who picks the
 * favoured position with probability β = |2b − 1| and otherwise follows the preference with probability 1 − ε
 * (b = P(first shown chosen)). With the preferred item shown at the favoured position it is chosen with probability
 * β + (1 − β)(1 − ε), at the other (1 − β)(1 − ε); the other item β + (1 − β)ε and (1 − β)ε. Without a known position
 * the choice follows the preference with probability 1 − ε. β = 0 gives ½[(1 − ε)^a ε^b + ε^a (1 − ε)^b].
 */
export function logConsistentPlaced(counts: ConditionCounts, epsilon: number, firstShown: number): number {
  const { n, a, aFirst, aSecond, bFirst, bSecond } = counts;
  const beta = Math.abs(2 * firstShown - 1);
  const favouredFirst = firstShown >= 0.5;
  const keep = Math.log(1 - epsilon);
  const flip = Math.log(epsilon);
  const preferredFavoured = Math.log(beta + (1 - beta) * (1 - epsilon));
  const preferredOther = Math.log((1 - beta) * (1 - epsilon));
  const otherFavoured = Math.log(beta + (1 - beta) * epsilon);
  const otherOther = Math.log((1 - beta) * epsilon);
  // Products of a count and ln(0) (β = 1) are taken as 0 when the count is 0.
  const term = (count: number, logP: number) => (count === 0 ? 0 : count * logP);
  const aUnknown = a - aFirst - aSecond;
  const bUnknown = n - a - bFirst - bSecond;
  const direction = (pFirst: number, pSecond: number, pUnknown: number, oFirst: number, oSecond: number, oUnknown: number) =>
    (favouredFirst
      ? term(pFirst, preferredFavoured) + term(pSecond, preferredOther) + term(oFirst, otherFavoured) + term(oSecond, otherOther)
      : term(pFirst, preferredOther) + term(pSecond, preferredFavoured) + term(oFirst, otherOther) + term(oSecond, otherFavoured)) +
    term(pUnknown, keep) +
    term(oUnknown, flip);
  const forA = direction(aFirst, aSecond, aUnknown, bFirst, bSecond, bUnknown);
  const forB = direction(bFirst, bSecond, bUnknown, aFirst, aSecond, aUnknown);
  return logSumExp(forA, forB) - Math.LN2;
}

/** Where the chosen items of a signal's judgments were shown, summed over conditions. */
export function positionCounts(conditions: Iterable<ConditionCounts>): PositionCounts {
  let first = 0;
  let second = 0;
  let n = 0;
  for (const c of conditions) {
    first += c.aFirst + c.bFirst;
    second += c.aSecond + c.bSecond;
    n += c.n;
  }
  return { first, second, unknown: n - first - second };
}

/**
 * ln-likelihood of a signal under each class (see the file's documentation), for a user whose probability of choosing
 * the first-shown item is `firstShown` (½: no position bias).
 */
export function classLogLikelihoods(conditions: Iterable<ConditionCounts>, epsilon: number, firstShown: number): Record<LabelClass, number> {
  const all = unplacedCounts(0, 0);
  let constructed = 0;
  for (const c of conditions) {
    all.n += c.n;
    all.a += c.a;
    all.aFirst += c.aFirst;
    all.aSecond += c.aSecond;
    all.bFirst += c.bFirst;
    all.bSecond += c.bSecond;
    constructed += logConsistentPlaced(c, epsilon, firstShown);
  }
  const first = all.aFirst + all.bFirst;
  const second = all.aSecond + all.bSecond;
  const nonAttitude = first * Math.log(firstShown) + second * Math.log(1 - firstShown) - (all.n - first - second) * Math.LN2;
  return { genuine: logConsistentPlaced(all, epsilon, firstShown), 'non-attitude': nonAttitude, constructed };
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
