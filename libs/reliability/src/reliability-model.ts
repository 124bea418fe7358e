import { crossConditionAgreement, retestAgreement, type Agreement } from './agreement-counts';
import { countCyclicTriads, type Intransitivity } from './intransitive-cycles';
import {
  classLogLikelihoods,
  classPosterior,
  decideClass,
  LABEL_CLASSES,
  type ClassPosterior,
  unplacedCounts,
  type ConditionCounts,
  type LabelClass,
} from './judgment-class';
import { ReliabilityInputError } from './reliability-input.error';

/** One pairwise judgment and the condition it was made under (chorus.feedback.v1 `context`). */
export interface PairJudgment {
  readonly userId: string;
  readonly chosenId: string;
  readonly rejectedId: string;
  readonly tie?: boolean;
  /** Shown position of chosenId: 0 first, 1 second; anything else counts as unknown. */
  readonly position?: number;
  readonly framingId?: string;
  readonly surface?: string;
  /** Where the question came in its sequence; a question-order effect is a condition like a framing. */
  readonly order?: number;
}

/** Options of {@link ReliabilityTracker}; every field has a default (DEFAULT_RELIABILITY_OPTIONS). */
export interface ReliabilityOptions {
  /** ε: a genuine or constructed answer is reproduced with probability 1 − ε. */
  readonly epsilon: number;
  /** Prior probability of each class for a signal, before anything is known of its user. */
  readonly classPrior: ClassPosterior;
  /**
   * How much a signal's prior follows its user's type: prior = (1 − w)·classPrior + w·T, T the posterior of "the user
   * is of one class" given the user's other signals (T ∝ classPrior · Π_others likelihood). w < 1 lets a user's
   * signals differ in class.
   */
  readonly userTypeWeight: number;
  /** A signal's class is decided when its posterior reaches this and it has ≥ minJudgments; else "unknown". */
  readonly decisionThreshold: number;
  readonly minJudgments: number;
  /** Weight of a signal by class: w = P(g)·1 + P(c)·constructedWeight + P(na)·nonAttitudeWeight. */
  readonly constructedWeight: number;
  readonly nonAttitudeWeight: number;
  /** Beta prior pseudo-counts of a user's agreement with the leave-one-out majority. */
  readonly agreementPrior: { readonly agree: number; readonly disagree: number };
  /** The agreement whose log-odds is a full user factor of 1 (Dawid–Skene log-odds weight, normalised). */
  readonly referenceAgreement: number;
  /** Whether a judgment's weight carries its user's factor at all (false: w_user = 1). See the README's measurement. */
  readonly userFactor: boolean;
  /**
   * A judgment is compared with the others' majority of its pair only when the others made at least this many
   * judgments of it (0: whenever there is a majority); a majority of one or two judgments is mostly noise.
   */
  readonly minOtherJudgments: number;
  /** Beta(k, k) prior pseudo-count of a user's probability of choosing the first-shown item. */
  readonly positionPrior: number;
  /** Floor of every weight (the reward model needs c > 0). */
  readonly minWeight: number;
}

export const DEFAULT_RELIABILITY_OPTIONS: ReliabilityOptions = {
  epsilon: 0.1,
  classPrior: { genuine: 0.6, 'non-attitude': 0.25, constructed: 0.15 },
  userTypeWeight: 0.8,
  decisionThreshold: 0.7,
  minJudgments: 2,
  constructedWeight: 0.25,
  nonAttitudeWeight: 0.05,
  agreementPrior: { agree: 4, disagree: 1 },
  referenceAgreement: 0.9,
  userFactor: false,
  minOtherJudgments: 0,
  positionPrior: 10,
  minWeight: 0.01,
};

/** What one judgment weighs, and why. weight = max(minWeight, signal × user × position). */
export interface JudgmentWeight {
  readonly weight: number;
  readonly signal: number;
  readonly user: number;
  readonly position: number;
  readonly posterior: ClassPosterior;
  readonly label: LabelClass | 'unknown';
}

/** A user's position bias: P(the first-shown item is chosen) ~ Beta, "detected" when ½ lies beyond two sd. */
export interface PositionBias {
  readonly judgments: number;
  readonly firstShownShare: number;
  readonly sd: number;
  readonly detected: boolean;
}

/** A (user, pair) signal's evidence and class. */
export interface SignalReliability {
  readonly items: readonly [string, string];
  readonly judgments: number;
  readonly conditions: number;
  readonly posterior: ClassPosterior;
  readonly label: LabelClass | 'unknown';
  readonly retest: Agreement;
  readonly acrossConditions: Agreement;
}

/** Everything known about one user (GET /v1/users/:id/reliability). */
export interface UserReliability {
  readonly judgments: number;
  readonly signals: number;
  /** Agreement with the leave-one-out majority of the other users' judgments, Beta(1 + agree, 1 + disagree). */
  readonly reliability: { readonly mean: number; readonly sd: number; readonly agree: number; readonly disagree: number };
  /** The same agreement counted as the judgments arrived (what the weights use), and the factor it gives. */
  readonly prequential: { readonly agree: number; readonly disagree: number; readonly factor: number };
  /** Mean weight the user's judgments were given as they arrived (what they counted for in a weighted model). */
  readonly meanWeight: number;
  readonly classCounts: Readonly<Record<LabelClass | 'unknown', number>>;
  /** Mean class posterior over the user's signals. */
  readonly classShares: ClassPosterior;
  readonly retest: Agreement;
  readonly acrossConditions: Agreement;
  readonly conditionEffects: {
    readonly position: PositionBias;
    /** Signals decided in ≥ 2 conditions, and how many point different ways in different conditions. */
    readonly framing: { readonly signalsCompared: number; readonly flipped: number };
  };
  readonly intransitivity: Intransitivity;
}

/** Population figures (the experiment's summary and drift-watch's signal). */
export interface PopulationReliability {
  readonly users: number;
  readonly judgments: number;
  readonly signals: number;
  readonly classCounts: Readonly<Record<LabelClass | 'unknown', number>>;
  /** Share of judgments that went to the first-shown item, among those with a known position. */
  readonly firstShownShare: number;
  readonly usersWithPositionBias: number;
}

interface SignalState {
  readonly first: string;
  readonly second: string;
  readonly conditions: Map<string, ConditionCounts>;
  n: number;
  a: number;
  /** The class log-likelihoods when the signal last changed: its share in its user's type. */
  readonly logLikelihood: Float64Array;
}

/** One user's reliability state as JSON (what an exactly-once holder stores beside the user's model). */
export interface UserReliabilityJSON {
  readonly counts: readonly [judgments: number, chosenFirst: number, chosenSecond: number, agree: number, disagree: number, weightSum: number];
  /** Σ of the signals' stored log-likelihoods. */
  readonly logLikelihood: readonly [genuine: number, nonAttitude: number, constructed: number];
  /** pair key → [[condition, n, a, aFirst, aSecond, bFirst, bSecond]…], stored log-likelihoods */
  readonly signals: Record<string, readonly [readonly (readonly [string, number, number, number, number, number, number])[], readonly [number, number, number]]>;
}

export const PAIR_SEPARATOR = '\u0001';

/** The key of the unordered pair {a, b}: the two ids sorted, joined by U+0001. */
export function pairKey(a: string, b: string): string {
  return a < b ? a + PAIR_SEPARATOR + b : b + PAIR_SEPARATOR + a;
}

/**
 * Everything known of one user's judgments: counts per (pair, condition, shown position), the position counts, the
 * prequential agreement and the stored likelihoods of the user's type. Serialisable on its own ({@link toJSON} /
 * {@link fromJSON}), so a consumer can keep it in the user's row; the population's counts live apart ({@link PairCounts}).
 */
export class UserReliabilityState {
  /** @internal */ readonly signals = new Map<string, SignalState>();
  /** @internal */ judgments = 0;
  /** @internal */ chosenFirst = 0;
  /** @internal */ chosenSecond = 0;
  /** @internal */ agree = 0;
  /** @internal */ disagree = 0;
  /** @internal Σ of the weights {@link ReliabilityModel.observe} gave the user's judgments. */
  weightSum = 0;
  /** @internal Σ of the signals' stored log-likelihoods (genuine, non-attitude, constructed), kept incrementally. */
  readonly logLikelihood = new Float64Array(3);

  /** The pairs this user judged, as {@link pairKey}s. */
  pairKeys(): IterableIterator<string> {
    return this.signals.keys();
  }

  /** The user's judgment counts of one pair: n and the count for the pair's first (smaller) id, ties ½. */
  pairCounts(key: string): { readonly n: number; readonly a: number } | undefined {
    return this.signals.get(key);
  }

  toJSON(): UserReliabilityJSON {
    // Null-prototype records: ids are untrusted strings, and "__proto__" must stay an ordinary key.
    const signals: Record<string, UserReliabilityJSON['signals'][string]> = Object.create(null);
    for (const [key, signal] of this.signals) {
      signals[key] = [
        [...signal.conditions].map(([condition, c]) => [condition, c.n, c.a, c.aFirst, c.aSecond, c.bFirst, c.bSecond] as const),
        [signal.logLikelihood[0]!, signal.logLikelihood[1]!, signal.logLikelihood[2]!],
      ];
    }
    const sum = this.logLikelihood;
    return { counts: [this.judgments, this.chosenFirst, this.chosenSecond, this.agree, this.disagree, this.weightSum], logLikelihood: [sum[0]!, sum[1]!, sum[2]!], signals };
  }

  /** Restores a state from {@link toJSON}'s output; trusts its shape (the caller validates untrusted input). */
  static fromJSON(json: UserReliabilityJSON): UserReliabilityState {
    const user = new UserReliabilityState();
    [user.judgments, user.chosenFirst, user.chosenSecond, user.agree, user.disagree, user.weightSum] = json.counts;
    user.logLikelihood.set(json.logLikelihood);
    for (const key of Object.keys(json.signals)) {
      const [conditions, stored] = json.signals[key]!;
      const [firstId, secondId] = key.split(PAIR_SEPARATOR) as [string, string];
      const signal: SignalState = { first: firstId, second: secondId, conditions: new Map(), n: 0, a: 0, logLikelihood: Float64Array.from(stored) };
      for (const [condition, n, a, aFirst, aSecond, bFirst, bSecond] of conditions) {
        signal.conditions.set(condition, { n, a, aFirst, aSecond, bFirst, bSecond });
        signal.n += n;
        signal.a += a;
      }
      user.signals.set(key, signal);
    }
    return user;
  }
}

/**
 * The population's judgment counts per pair (n, and the count for the pair's first id): what the leave-one-out
 * majority is taken from. A consumer that partitions its users keeps one per partition, and then "the others" are the
 * other users of the partition: the state stays a function of the partition's log alone (see the README).
 */
export class PairCounts {
  private readonly counts = new Map<string, { n: number; a: number }>();
  private readonly changed = new Set<string>();

  get(key: string): { readonly n: number; readonly a: number } | undefined {
    return this.counts.get(key);
  }

  /** Installs stored counts (loading a shard); not marked changed. */
  set(key: string, n: number, a: number): void {
    this.counts.set(key, { n, a });
  }

  /** @internal */
  add(key: string, outcome: number): void {
    let total = this.counts.get(key);
    if (total === undefined) this.counts.set(key, (total = { n: 0, a: 0 }));
    total.n++;
    total.a += outcome;
    this.changed.add(key);
  }

  entries(): IterableIterator<[string, { readonly n: number; readonly a: number }]> {
    return this.counts.entries();
  }

  get size(): number {
    return this.counts.size;
  }

  /** The pairs whose counts changed since the last call, with their counts; forgets them (for incremental writes). */
  takeChanged(): { key: string; n: number; a: number }[] {
    const out = [...this.changed].map((key) => ({ key, ...this.counts.get(key)! }));
    this.changed.clear();
    return out;
  }
}

/**
 * The reliability model's arithmetic over a user's state and the population's pair counts: {@link observe} learns one
 * judgment and returns its weight, {@link report} describes a user. The model, its formulas and references are in the
 * library's README. Stateless beyond its options; {@link ReliabilityTracker} holds users and counts in memory, a
 * streaming consumer holds them where its exactly-once state lives.
 */
export class ReliabilityModel {
  readonly options: ReliabilityOptions;

  constructor(options: Partial<ReliabilityOptions> = {}) {
    this.options = checkOptions({ ...DEFAULT_RELIABILITY_OPTIONS, ...options });
  }

  /**
   * Learns one judgment into the user's state and the population's counts, and returns its weight. `judgment.userId`
   * is only checked: the state is the caller's lookup.
   *
   * @throws ReliabilityInputError on an empty id, chosenId = rejectedId, or a position/order that is not an integer ≥ 0
   *   (nothing is changed then).
   */
  observe(user: UserReliabilityState, population: PairCounts, judgment: PairJudgment): JudgmentWeight {
    const { chosenId, rejectedId, tie = false, position, framingId, surface, order } = judgment;
    checkJudgment(judgment);
    const firstIsChosen = chosenId < rejectedId;
    const key = firstIsChosen ? chosenId + PAIR_SEPARATOR + rejectedId : rejectedId + PAIR_SEPARATOR + chosenId;
    const outcome = tie ? 0.5 : firstIsChosen ? 1 : 0;
    const condition = `${framingId ?? ''}${PAIR_SEPARATOR}${surface ?? ''}${PAIR_SEPARATOR}${order ?? ''}`;

    let signal = user.signals.get(key);
    if (signal === undefined) {
      const [first, second] = firstIsChosen ? [chosenId, rejectedId] : [rejectedId, chosenId];
      user.signals.set(key, (signal = { first, second, conditions: new Map(), n: 0, a: 0, logLikelihood: new Float64Array(3) }));
    }
    const total = population.get(key) ?? { n: 0, a: 0 };

    // Prequential agreement with the others' majority on this pair, before this judgment joins the counts.
    const othersA = total.a - signal.a;
    const othersB = total.n - total.a - (signal.n - signal.a);
    if (othersA !== othersB && othersA + othersB >= this.options.minOtherJudgments) {
      const agreement = othersA > othersB ? outcome : 1 - outcome;
      user.agree += agreement;
      user.disagree += 1 - agreement;
    }

    let counts = signal.conditions.get(condition);
    if (counts === undefined) signal.conditions.set(condition, (counts = unplacedCounts(0, 0)));
    counts.n++;
    counts.a += outcome;
    signal.n++;
    signal.a += outcome;
    population.add(key, outcome);
    user.judgments++;
    const shown = !tie && (position === 0 || position === 1) ? position : undefined;
    if (shown === 0) {
      user.chosenFirst++;
      if (outcome === 1) counts.aFirst++;
      else counts.bFirst++;
    } else if (shown === 1) {
      user.chosenSecond++;
      if (outcome === 1) counts.aSecond++;
      else counts.bSecond++;
    }

    const { weight, logLikelihood } = this.weigh(user, signal, shown);
    // The signal's new likelihoods replace its old share of its user's type (a fresh signal's share was ln 1 = 0).
    for (let k = 0; k < 3; k++) {
      user.logLikelihood[k] += logLikelihood[k]! - signal.logLikelihood[k]!;
      signal.logLikelihood[k] = logLikelihood[k]!;
    }
    user.weightSum += weight.weight;
    return weight;
  }

  /** A user's reliability report; the leave-one-out majority is taken from `population` (which holds the user's own judgments). */
  report(user: UserReliabilityState, population: PairCounts): UserReliability {
    const classCounts = { genuine: 0, 'non-attitude': 0, constructed: 0, unknown: 0 };
    const shares = { genuine: 0, 'non-attitude': 0, constructed: 0 };
    const retest = { agreeing: 0, compared: 0 };
    const across = { agreeing: 0, compared: 0 };
    let agree = 0;
    let disagree = 0;
    let signalsCompared = 0;
    let flipped = 0;
    const edges: [string, string][] = [];
    const firstShown = this.firstShownProbability(user);
    for (const [key, signal] of user.signals) {
      const { posterior, label } = this.classify(user, signal, firstShown);
      classCounts[label]++;
      for (const c of LABEL_CLASSES) shares[c] += posterior[c];
      const r = retestAgreement(signal.conditions.values());
      const x = crossConditionAgreement(signal.conditions.values());
      retest.agreeing += r.agreeing;
      retest.compared += r.compared;
      across.agreeing += x.agreeing;
      across.compared += x.compared;
      const total = population.get(key) ?? signal;
      const othersA = total.a - signal.a;
      const othersB = total.n - total.a - (signal.n - signal.a);
      if (othersA !== othersB && othersA + othersB >= this.options.minOtherJudgments) {
        const agreeing = othersA > othersB ? signal.a : signal.n - signal.a;
        agree += agreeing;
        disagree += signal.n - agreeing;
      }
      let directions = 0;
      let sign = 0;
      let differs = false;
      for (const { n, a } of signal.conditions.values()) {
        const direction = Math.sign(2 * a - n);
        if (direction === 0) continue;
        if (directions > 0 && direction !== sign) differs = true;
        sign = direction;
        directions++;
      }
      if (directions >= 2) (signalsCompared++, (flipped += differs ? 1 : 0));
      const majority = Math.sign(2 * signal.a - signal.n);
      if (majority > 0) edges.push([signal.first, signal.second]);
      else if (majority < 0) edges.push([signal.second, signal.first]);
    }
    const count = user.signals.size;
    const alpha = 1 + agree;
    const beta = 1 + disagree;
    return {
      judgments: user.judgments,
      signals: count,
      reliability: { mean: alpha / (alpha + beta), sd: betaSd(alpha, beta), agree, disagree },
      prequential: { agree: user.agree, disagree: user.disagree, factor: this.userFactor(user) },
      meanWeight: user.judgments === 0 ? 1 : user.weightSum / user.judgments,
      classCounts,
      classShares: count === 0 ? { genuine: 0, 'non-attitude': 0, constructed: 0 } : { genuine: shares.genuine / count, 'non-attitude': shares['non-attitude'] / count, constructed: shares.constructed / count },
      retest,
      acrossConditions: across,
      conditionEffects: { position: this.positionBias(user), framing: { signalsCompared, flipped } },
      intransitivity: countCyclicTriads(edges),
    };
  }

  /** One (user, pair) signal, or undefined when the user never judged that pair. */
  signal(user: UserReliabilityState, itemA: string, itemB: string): SignalReliability | undefined {
    const signal = user.signals.get(pairKey(itemA, itemB));
    if (signal === undefined) return undefined;
    return {
      items: [signal.first, signal.second],
      judgments: signal.n,
      conditions: signal.conditions.size,
      ...this.classify(user, signal, this.firstShownProbability(user)),
      retest: retestAgreement(signal.conditions.values()),
      acrossConditions: crossConditionAgreement(signal.conditions.values()),
    };
  }

  /** Each of the user's signals' class label (for population counts). */
  *labels(user: UserReliabilityState): IterableIterator<LabelClass | 'unknown'> {
    const firstShown = this.firstShownProbability(user);
    for (const signal of user.signals.values()) yield this.classify(user, signal, firstShown).label;
  }

  private weigh(user: UserReliabilityState, signal: SignalState, shown: 0 | 1 | undefined): { weight: JudgmentWeight; logLikelihood: readonly number[] } {
    const { posterior, label, logLikelihood } = this.classify(user, signal, this.firstShownProbability(user));
    const o = this.options;
    const signalWeight = posterior.genuine + o.constructedWeight * posterior.constructed + o.nonAttitudeWeight * posterior['non-attitude'];
    const userWeight = this.userFactor(user);
    const positionWeight = shown === undefined ? 1 : this.positionFactor(user, shown);
    const weight = Math.max(o.minWeight, signalWeight * userWeight * positionWeight);
    return { weight: { weight, signal: signalWeight, user: userWeight, position: positionWeight, posterior, label }, logLikelihood };
  }

  private classify(user: UserReliabilityState, signal: SignalState, firstShown: number): { posterior: ClassPosterior; label: LabelClass | 'unknown'; logLikelihood: readonly number[] } {
    const o = this.options;
    const l = classLogLikelihoods(signal.conditions.values(), o.epsilon, firstShown);
    const posterior = classPosterior(l, this.userPrior(user, signal));
    return { posterior, label: decideClass(posterior, signal.n, o.decisionThreshold, o.minJudgments), logLikelihood: [l.genuine, l['non-attitude'], l.constructed] };
  }

  /**
   * The class prior of one of a user's signals: (1 − w)·classPrior + w·T, with T the posterior that the user is of one
   * class given its other signals' stored likelihoods (the hierarchical step; likelihoods, not posteriors, so a user's
   * type does not feed on its own prior).
   */
  private userPrior(user: UserReliabilityState, signal: SignalState): ClassPosterior {
    const { classPrior, userTypeWeight: w } = this.options;
    const type = classPosterior(
      {
        genuine: user.logLikelihood[0]! - signal.logLikelihood[0]!,
        'non-attitude': user.logLikelihood[1]! - signal.logLikelihood[1]!,
        constructed: user.logLikelihood[2]! - signal.logLikelihood[2]!,
      },
      classPrior,
    );
    return {
      genuine: (1 - w) * classPrior.genuine + w * type.genuine,
      'non-attitude': (1 - w) * classPrior['non-attitude'] + w * type['non-attitude'],
      constructed: (1 - w) * classPrior.constructed + w * type.constructed,
    };
  }

  /** Posterior mean of P(first shown is chosen) under Beta(k, k). */
  private firstShownProbability(user: UserReliabilityState): number {
    const k = this.options.positionPrior;
    return (k + user.chosenFirst) / (2 * k + user.chosenFirst + user.chosenSecond);
  }

  /** The user's position bias: P(the first-shown item is chosen), its sd, and whether ½ lies beyond two sd. */
  positionBias(user: UserReliabilityState): PositionBias {
    const alpha = 1 + user.chosenFirst;
    const beta = 1 + user.chosenSecond;
    const share = alpha / (alpha + beta);
    const sd = betaSd(alpha, beta);
    return { judgments: user.chosenFirst + user.chosenSecond, firstShownShare: share, sd, detected: Math.abs(share - 0.5) > 2 * sd };
  }

  /**
   * Dawid & Skene's log-odds weight of an annotator of accuracy π, log(π / (1 − π)), at the posterior mean of the
   * prequential agreement, relative to that of `referenceAgreement` and clipped to [0, 1].
   */
  private userFactor(user: UserReliabilityState): number {
    const { agreementPrior, referenceAgreement, userFactor } = this.options;
    if (!userFactor) return 1;
    const pi = (agreementPrior.agree + user.agree) / (agreementPrior.agree + agreementPrior.disagree + user.agree + user.disagree);
    const factor = Math.log(pi / (1 - pi)) / Math.log(referenceAgreement / (1 - referenceAgreement));
    return Math.min(1, Math.max(0, factor));
  }

  /**
   * A choice that went the way the user's position bias pushes is weaker evidence. If a share β = |2b − 1| of the
   * user's choices follow the position and the rest follow a preference kept with probability q = 1 − ε, a choice of
   * the favoured position has likelihood ratio (β + (1 − β)q) / (β + (1 − β)(1 − q)) instead of q / (1 − q); the factor
   * is the ratio of their logarithms. A choice against the bias keeps q / (1 − q) and weight 1. A bias within two
   * posterior sd of none is not corrected.
   */
  private positionFactor(user: UserReliabilityState, shown: 0 | 1): number {
    const bias = this.positionBias(user);
    if (!bias.detected) return 1;
    const favoured = bias.firstShownShare > 0.5 ? 0 : 1;
    if (shown !== favoured) return 1;
    const beta = Math.abs(2 * bias.firstShownShare - 1);
    const q = 1 - this.options.epsilon;
    return Math.log((beta + (1 - beta) * q) / (beta + (1 - beta) * (1 - q))) / Math.log(q / (1 - q));
  }
}

function betaSd(alpha: number, beta: number): number {
  const total = alpha + beta;
  return Math.sqrt((alpha * beta) / (total * total * (total + 1)));
}

function checkJudgment(judgment: PairJudgment): void {
  const { userId, chosenId, rejectedId, position, order } = judgment;
  if (typeof userId !== 'string' || userId === '') throw new ReliabilityInputError('judgment: userId must be a non-empty string');
  if (typeof chosenId !== 'string' || chosenId === '' || typeof rejectedId !== 'string' || rejectedId === '') {
    throw new ReliabilityInputError('judgment: chosenId and rejectedId must be non-empty strings');
  }
  if (chosenId === rejectedId) throw new ReliabilityInputError(`judgment: item "${chosenId}" is compared with itself; a pair needs two different items`);
  if (chosenId.includes(PAIR_SEPARATOR) || rejectedId.includes(PAIR_SEPARATOR)) throw new ReliabilityInputError('judgment: item ids must not contain U+0001');
  for (const [name, value] of [['position', position], ['order', order]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new ReliabilityInputError(`judgment: ${name} is ${String(value)}; it must be an integer ≥ 0`);
  }
}

function checkOptions(options: ReliabilityOptions): ReliabilityOptions {
  const { epsilon, classPrior, userTypeWeight, decisionThreshold, minJudgments, constructedWeight, nonAttitudeWeight, agreementPrior, referenceAgreement, positionPrior, minWeight } = options;
  const fail = (what: string) => {
    throw new ReliabilityInputError(`reliability options: ${what}`);
  };
  if (!(epsilon > 0 && epsilon < 0.5)) fail(`epsilon is ${epsilon}; it must lie in (0, 0.5)`);
  for (const c of LABEL_CLASSES) if (!(classPrior[c] > 0 && Number.isFinite(classPrior[c]))) fail(`classPrior.${c} is ${classPrior[c]}; it must be a finite number > 0`);
  if (!(userTypeWeight >= 0 && userTypeWeight < 1)) fail(`userTypeWeight is ${userTypeWeight}; it must lie in [0, 1)`);
  if (!(decisionThreshold > 0.5 && decisionThreshold <= 1)) fail(`decisionThreshold is ${decisionThreshold}; it must lie in (0.5, 1]`);
  if (!(Number.isInteger(minJudgments) && minJudgments >= 1)) fail(`minJudgments is ${minJudgments}; it must be an integer ≥ 1`);
  for (const [name, value] of [['constructedWeight', constructedWeight], ['nonAttitudeWeight', nonAttitudeWeight], ['minWeight', minWeight]] as const) {
    if (!(value > 0 && value <= 1)) fail(`${name} is ${value}; it must lie in (0, 1]`);
  }
  if (!(agreementPrior.agree > 0 && agreementPrior.disagree > 0 && Number.isFinite(agreementPrior.agree + agreementPrior.disagree))) fail('agreementPrior counts must be finite numbers > 0');
  if (!(referenceAgreement > 0.5 && referenceAgreement < 1)) fail(`referenceAgreement is ${referenceAgreement}; it must lie in (0.5, 1)`);
  if (!(positionPrior > 0 && Number.isFinite(positionPrior))) fail(`positionPrior is ${positionPrior}; it must be a finite number > 0`);
  if (typeof options.userFactor !== 'boolean') fail(`userFactor is ${String(options.userFactor)}; it must be true or false`);
  if (!(Number.isInteger(options.minOtherJudgments) && options.minOtherJudgments >= 0)) fail(`minOtherJudgments is ${options.minOtherJudgments}; it must be an integer ≥ 0`);
  return options;
}
