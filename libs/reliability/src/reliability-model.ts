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

/**
 * One observation of a single item (a rating, click or skip) and the condition it was made under: `positive` is the
 * side of the label threshold it fell on (the learner's y: ratingLabel's threshold for a rating, 1 for a click, 0 for a
 * skip). A user's repeated observations of one item are its item signal.
 */
export interface ItemObservation {
  readonly userId: string;
  readonly itemId: string;
  readonly positive: boolean;
  readonly framingId?: string;
  readonly surface?: string;
  /** Where the item was shown in its list; for a single item, a condition like a framing. */
  readonly position?: number;
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

/** What one item observation weighs, and why: 1 until the item is repeated, then min(1, signal / the class prior's). */
export interface ItemObservationWeight {
  readonly weight: number;
  /** P(g) + constructedWeight·P(c) + nonAttitudeWeight·P(na) of the item signal after the observation. */
  readonly signal: number;
  readonly posterior: ClassPosterior;
  readonly label: LabelClass | 'unknown';
}

/** A (user, item) signal's evidence and class. */
export interface ItemSignalReliability {
  readonly itemId: string;
  readonly observations: number;
  readonly positive: number;
  readonly conditions: number;
  readonly posterior: ClassPosterior;
  readonly label: LabelClass | 'unknown';
  readonly retest: Agreement;
  readonly acrossConditions: Agreement;
}

/** A user's item signals summed (the `items` part of {@link UserReliability}). */
export interface UserItemReliability {
  readonly observations: number;
  readonly signals: number;
  /** Signals with ≥ minJudgments observations (the others are "unknown" for want of a repeat). */
  readonly repeated: number;
  readonly meanWeight: number;
  readonly classCounts: Readonly<Record<LabelClass | 'unknown', number>>;
  readonly retest: Agreement;
  readonly acrossConditions: Agreement;
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
  /** The user's repeated ratings, clicks and skips of single items. */
  readonly items: UserItemReliability;
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

/** A signal's counts: per condition, and in all (`a`: judgments for the pair's first item, or positive observations). */
interface CountedSignal {
  readonly conditions: Map<string, ConditionCounts>;
  n: number;
  a: number;
  /** The class log-likelihoods when the signal last changed: its share in its user's type. */
  readonly logLikelihood: Float64Array;
}

interface SignalState extends CountedSignal {
  readonly first: string;
  readonly second: string;
}

/** One user's item signals and their sums; the item type is kept apart from the pair type (see the README). */
class ItemSignals {
  readonly signals = new Map<string, CountedSignal>();
  observations = 0;
  weightSum = 0;
  readonly logLikelihood = new Float64Array(3);
}

/** A stored signal: [[condition, n, a, aFirst, aSecond, bFirst, bSecond]…], its log-likelihoods. */
type SignalJSON = readonly [readonly (readonly [string, number, number, number, number, number, number])[], readonly [number, number, number]];

/** One user's reliability state as JSON (what an exactly-once holder stores beside the user's model). */
export interface UserReliabilityJSON {
  readonly counts: readonly [judgments: number, chosenFirst: number, chosenSecond: number, agree: number, disagree: number, weightSum: number];
  /** Σ of the signals' stored log-likelihoods. */
  readonly logLikelihood: readonly [genuine: number, nonAttitude: number, constructed: number];
  /** pair key → [[condition, n, a, aFirst, aSecond, bFirst, bSecond]…], stored log-likelihoods */
  readonly signals: Record<string, SignalJSON>;
  /**
   * The item signals (absent on states from before them and while the user has none): item id → [condition, n,
   * positive]…. An item signal's log-likelihoods are a function of its counts (no position bias enters them), so they
   * are recomputed on load rather than stored: a user's row holds every item the user rated, clicked or skipped.
   */
  readonly items?: {
    readonly counts: readonly [observations: number, weightSum: number];
    readonly logLikelihood: readonly [genuine: number, nonAttitude: number, constructed: number];
    readonly signals: Record<string, readonly (readonly [string, number, number])[]>;
  };
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
  /** @internal The user's repeated observations of single items. */
  readonly items = new ItemSignals();

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
    for (const [key, signal] of this.signals) signals[key] = signalJSON(signal);
    const json = { counts: [this.judgments, this.chosenFirst, this.chosenSecond, this.agree, this.disagree, this.weightSum], logLikelihood: triple(this.logLikelihood), signals } as const;
    // Without item signals the JSON is what it was before them, so stored rows and replays compare equal.
    if (this.items.signals.size === 0) return json;
    const items: Record<string, (readonly [string, number, number])[]> = Object.create(null);
    for (const [itemId, signal] of this.items.signals) items[itemId] = [...signal.conditions].map(([condition, c]) => [condition, c.n, c.a] as const);
    return { ...json, items: { counts: [this.items.observations, this.items.weightSum], logLikelihood: triple(this.items.logLikelihood), signals: items } };
  }

  /**
   * Restores a state from {@link toJSON}'s output; trusts its shape (the caller validates untrusted input). `epsilon`
   * (the model's) recomputes the item signals' log-likelihoods.
   */
  static fromJSON(json: UserReliabilityJSON, epsilon = DEFAULT_RELIABILITY_OPTIONS.epsilon): UserReliabilityState {
    const user = new UserReliabilityState();
    [user.judgments, user.chosenFirst, user.chosenSecond, user.agree, user.disagree, user.weightSum] = json.counts;
    user.logLikelihood.set(json.logLikelihood);
    for (const key of Object.keys(json.signals)) {
      const [firstId, secondId] = key.split(PAIR_SEPARATOR) as [string, string];
      user.signals.set(key, { first: firstId, second: secondId, ...signalFromJSON(json.signals[key]!) });
    }
    if (json.items !== undefined) {
      [user.items.observations, user.items.weightSum] = json.items.counts;
      user.items.logLikelihood.set(json.items.logLikelihood);
      for (const itemId of Object.keys(json.items.signals)) {
        const signal = signalFromJSON([json.items.signals[itemId]!.map(([condition, n, a]) => [condition, n, a, 0, 0, 0, 0] as const), [0, 0, 0]]);
        signal.logLikelihood.set(itemLogLikelihood(signal, epsilon));
        user.items.signals.set(itemId, signal);
      }
    }
    return user;
  }
}

function triple(values: Float64Array): [number, number, number] {
  return [values[0]!, values[1]!, values[2]!];
}

function signalJSON(signal: CountedSignal): SignalJSON {
  return [[...signal.conditions].map(([condition, c]) => [condition, c.n, c.a, c.aFirst, c.aSecond, c.bFirst, c.bSecond] as const), triple(signal.logLikelihood)];
}

function signalFromJSON([conditions, stored]: SignalJSON): CountedSignal {
  const signal: CountedSignal = { conditions: new Map(), n: 0, a: 0, logLikelihood: Float64Array.from(stored) };
  for (const [condition, n, a, aFirst, aSecond, bFirst, bSecond] of conditions) {
    signal.conditions.set(condition, { n, a, aFirst, aSecond, bFirst, bSecond });
    signal.n += n;
    signal.a += a;
  }
  return signal;
}

/** The key of a measurement condition: the recorded context fields joined by U+0001 (absent fields empty). */
function conditionKey(...fields: (string | number | undefined)[]): string {
  return fields.map((field) => field ?? '').join(PAIR_SEPARATOR);
}

/** An item observation's condition: '' without any context (most of them; it keeps the stored rows short). */
function itemConditionKey({ framingId, surface, position, order }: ItemObservation): string {
  return framingId === undefined && surface === undefined && position === undefined && order === undefined ? '' : conditionKey(framingId, surface, position, order);
}

/** An item signal's class log-likelihoods: a function of its counts, since no position bias enters them (½). */
function itemLogLikelihood(signal: CountedSignal, epsilon: number): number[] {
  const l = classLogLikelihoods(signal.conditions.values(), epsilon, 0.5);
  return [l.genuine, l['non-attitude'], l.constructed];
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
    const condition = conditionKey(framingId, surface, order);

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
    replaceShare(user.logLikelihood, signal, logLikelihood);
    user.weightSum += weight.weight;
    return weight;
  }

  /**
   * Learns one observation of a single item (a rating, click or skip) into the user's item signal of that item, and
   * returns its weight: the pairwise classes over the item's observations per condition (framing, surface, shown
   * position, order), with "for the pair's first item" read as "positive". Until the item is repeated (fewer than
   * minJudgments observations) the weight is 1: one observation is equally likely under the three classes, so only a
   * prior could move it, and a prior-only weight would scale every one-off rating alike. Then it is
   * min(1, w_signal / w_prior), w_prior = the class prior's w_signal: the weight a rating carries today is what an
   * observation of an item of unknown class carries, and repeats can only say it is worth less (or as much).
   *
   * @throws ReliabilityInputError on an empty id or a position/order that is not an integer ≥ 0 (nothing is changed then).
   */
  observeItem(user: UserReliabilityState, observation: ItemObservation): ItemObservationWeight {
    checkItemObservation(observation);
    const { itemId, positive } = observation;
    const items = user.items;
    let signal = items.signals.get(itemId);
    if (signal === undefined) items.signals.set(itemId, (signal = { conditions: new Map(), n: 0, a: 0, logLikelihood: new Float64Array(3) }));
    const condition = itemConditionKey(observation);
    let counts = signal.conditions.get(condition);
    if (counts === undefined) signal.conditions.set(condition, (counts = unplacedCounts(0, 0)));
    const outcome = positive ? 1 : 0;
    counts.n++;
    counts.a += outcome;
    signal.n++;
    signal.a += outcome;
    items.observations++;

    const o = this.options;
    // Position is a condition here, not a bias of the user's choice between two shown items: ½ is "no position bias".
    const { posterior, label, logLikelihood } = this.classify(items.logLikelihood, signal, 0.5);
    replaceShare(items.logLikelihood, signal, logLikelihood);
    const signalWeight = this.signalWeight(posterior);
    const weight = signal.n < o.minJudgments ? 1 : Math.max(o.minWeight, Math.min(1, signalWeight / this.signalWeight(o.classPrior)));
    items.weightSum += weight;
    return { weight, signal: signalWeight, posterior, label };
  }

  /** One (user, item) signal, or undefined when the user never rated, clicked or skipped that item. */
  itemSignal(user: UserReliabilityState, itemId: string): ItemSignalReliability | undefined {
    const signal = user.items.signals.get(itemId);
    if (signal === undefined) return undefined;
    const { posterior, label } = this.classify(user.items.logLikelihood, signal, 0.5);
    return {
      itemId,
      observations: signal.n,
      positive: signal.a,
      conditions: signal.conditions.size,
      posterior,
      label,
      retest: retestAgreement(signal.conditions.values()),
      acrossConditions: crossConditionAgreement(signal.conditions.values()),
    };
  }

  /** The user's item signals summed: class counts, test–retest and cross-condition agreement. */
  itemReport(user: UserReliabilityState): UserItemReliability {
    const items = user.items;
    const classCounts = { genuine: 0, 'non-attitude': 0, constructed: 0, unknown: 0 };
    const retest = { agreeing: 0, compared: 0 };
    const across = { agreeing: 0, compared: 0 };
    let repeated = 0;
    for (const signal of items.signals.values()) {
      classCounts[this.classify(items.logLikelihood, signal, 0.5).label]++;
      if (signal.n >= this.options.minJudgments) repeated++;
      addAgreement(retest, retestAgreement(signal.conditions.values()));
      addAgreement(across, crossConditionAgreement(signal.conditions.values()));
    }
    return {
      observations: items.observations,
      signals: items.signals.size,
      repeated,
      meanWeight: items.observations === 0 ? 1 : items.weightSum / items.observations,
      classCounts,
      retest,
      acrossConditions: across,
    };
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
      const { posterior, label } = this.classify(user.logLikelihood, signal, firstShown);
      classCounts[label]++;
      for (const c of LABEL_CLASSES) shares[c] += posterior[c];
      addAgreement(retest, retestAgreement(signal.conditions.values()));
      addAgreement(across, crossConditionAgreement(signal.conditions.values()));
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
      items: this.itemReport(user),
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
      ...this.classify(user.logLikelihood, signal, this.firstShownProbability(user)),
      retest: retestAgreement(signal.conditions.values()),
      acrossConditions: crossConditionAgreement(signal.conditions.values()),
    };
  }

  /** Each of the user's signals' class label (for population counts). */
  *labels(user: UserReliabilityState): IterableIterator<LabelClass | 'unknown'> {
    const firstShown = this.firstShownProbability(user);
    for (const signal of user.signals.values()) yield this.classify(user.logLikelihood, signal, firstShown).label;
  }

  private weigh(user: UserReliabilityState, signal: SignalState, shown: 0 | 1 | undefined): { weight: JudgmentWeight; logLikelihood: readonly number[] } {
    const { posterior, label, logLikelihood } = this.classify(user.logLikelihood, signal, this.firstShownProbability(user));
    const o = this.options;
    const signalWeight = this.signalWeight(posterior);
    const userWeight = this.userFactor(user);
    const positionWeight = shown === undefined ? 1 : this.positionFactor(user, shown);
    const weight = Math.max(o.minWeight, signalWeight * userWeight * positionWeight);
    return { weight: { weight, signal: signalWeight, user: userWeight, position: positionWeight, posterior, label }, logLikelihood };
  }

  /** w_signal = P(g) + constructedWeight·P(c) + nonAttitudeWeight·P(na). */
  private signalWeight(posterior: ClassPosterior): number {
    const o = this.options;
    return posterior.genuine + o.constructedWeight * posterior.constructed + o.nonAttitudeWeight * posterior['non-attitude'];
  }

  /** A signal's class posterior and label, under the prior its user's type (the sum `type` of its signals) gives it. */
  private classify(type: Float64Array, signal: CountedSignal, firstShown: number): { posterior: ClassPosterior; label: LabelClass | 'unknown'; logLikelihood: readonly number[] } {
    const o = this.options;
    const l = classLogLikelihoods(signal.conditions.values(), o.epsilon, firstShown);
    const posterior = classPosterior(l, this.userPrior(type, signal));
    return { posterior, label: decideClass(posterior, signal.n, o.decisionThreshold, o.minJudgments), logLikelihood: [l.genuine, l['non-attitude'], l.constructed] };
  }

  /**
   * The class prior of one of a user's signals: (1 − w)·classPrior + w·T, with T the posterior that the user is of one
   * class given its other signals' stored likelihoods (the hierarchical step; likelihoods, not posteriors, so a user's
   * type does not feed on its own prior).
   */
  private userPrior(sum: Float64Array, signal: CountedSignal): ClassPosterior {
    const { classPrior, userTypeWeight: w } = this.options;
    const type = classPosterior(
      {
        genuine: sum[0]! - signal.logLikelihood[0]!,
        'non-attitude': sum[1]! - signal.logLikelihood[1]!,
        constructed: sum[2]! - signal.logLikelihood[2]!,
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

/** The signal's new likelihoods replace its old share of its user's type (a fresh signal's share was ln 1 = 0). */
function replaceShare(sum: Float64Array, signal: CountedSignal, logLikelihood: readonly number[]): void {
  for (let k = 0; k < 3; k++) {
    sum[k] += logLikelihood[k]! - signal.logLikelihood[k]!;
    signal.logLikelihood[k] = logLikelihood[k]!;
  }
}

function addAgreement(total: { agreeing: number; compared: number }, part: Agreement): void {
  total.agreeing += part.agreeing;
  total.compared += part.compared;
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
  checkPlacement('judgment', position, order);
}

function checkItemObservation(observation: ItemObservation): void {
  const { userId, itemId, positive, position, order } = observation;
  if (typeof userId !== 'string' || userId === '') throw new ReliabilityInputError('item observation: userId must be a non-empty string');
  if (typeof itemId !== 'string' || itemId === '') throw new ReliabilityInputError('item observation: itemId must be a non-empty string');
  if (typeof positive !== 'boolean') throw new ReliabilityInputError(`item observation: positive is ${String(positive)}; it must be true or false (the side of the label threshold)`);
  checkPlacement('item observation', position, order);
}

function checkPlacement(what: string, position: number | undefined, order: number | undefined): void {
  for (const [name, value] of [['position', position], ['order', order]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new ReliabilityInputError(`${what}: ${name} is ${String(value)}; it must be an integer ≥ 0`);
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
