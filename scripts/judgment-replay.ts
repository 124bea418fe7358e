import { mulberry32 } from '@chorus/random';
import { LABEL_CLASSES, ReliabilityTracker, type LabelClass, type ReliabilityOptions } from '@chorus/reliability';
import { DiagonalGaussianLogistic, pairwiseObservation, type SparseVector } from '@chorus/reward';
import { kafkaKeyPartition } from '@chorus/platform';
import type { FileJudgment } from './judgment-file';

/** Options of {@link replayJudgments}. */
export interface ReplayOptions {
  /** Seed of the held-out pair draw. */
  readonly seed: number;
  /** Share of distinct pairs held out (every judgment of a held-out pair is test). */
  readonly holdout: number;
  /** Prior variance of the item intercepts (the learner's LEARNER_ITEM_PRIOR_VARIANCE, default 1). */
  readonly itemPriorVariance: number;
  /** Item → true quality, when the data is planted: held-out accuracy is then also measured against it. */
  readonly truth?: ReadonlyMap<string, number>;
  readonly reliability?: Partial<ReliabilityOptions>;
  /**
   * Feedback partitions to shard annotators over as the learner does (Kafka's key partitioner on the annotator id):
   * the leave-one-out majority is then over the other annotators of the same partition, and the weights are the ones
   * the learner gives the same judgments posted through the gateway in this order. Default 1: the whole population.
   */
  readonly partitions?: number;
}

/** Accuracy of one aggregate on the held-out pairs. */
export interface HeldOutAccuracy {
  /** Against each held-out pair's majority label (pairs whose judgments tie are left out). */
  readonly majority: number;
  /** Against the planted truth, when given. */
  readonly truth?: number;
}

export interface ReplayResult {
  readonly judgments: number;
  readonly annotators: number;
  readonly pairs: number;
  readonly heldOutPairs: number;
  /** The held-out pairs, as their two ids sorted and joined by U+0001. */
  readonly heldOut: ReadonlySet<string>;
  /** Held-out pairs with a majority (not tied), and held-out judgments. */
  readonly majorityPairs: number;
  readonly testJudgments: number;
  readonly unweighted: HeldOutAccuracy;
  readonly weighted: HeldOutAccuracy;
  /** Mean weight of the training judgments. */
  readonly meanWeight: number;
  /** Share of (annotator, pair) signals per class, "unknown" included. */
  readonly classShares: Readonly<Record<LabelClass | 'unknown', number>>;
  /** Per annotator, the class of largest mean posterior: counts. */
  readonly annotatorClasses: Readonly<Record<LabelClass, number>>;
  /** Share of training judgments that disagree with the leave-one-out majority of their pair (where there is one). */
  readonly judgmentsAgainstMajority: number;
  /** Annotators compared with a leave-one-out majority at least once, and the share of them below 0.5 agreement. */
  readonly annotatorsCompared: number;
  readonly annotatorsBelowHalf: number;
  /** The same among annotators with ≥ 20 compared judgments. */
  readonly frequentAnnotators: number;
  readonly frequentBelowHalf: number;
  /** Position bias: share of judgments (with a known position) that chose the first shown, and its standard error. */
  readonly positionJudgments: number;
  readonly firstShownShare: number;
  readonly firstShownStandardError: number;
  readonly annotatorsWithPositionBias: number;
  /** The weight of every training judgment, in replay order (the learner must reproduce these). */
  readonly weights: Float64Array;
  /**
   * P(constructed) of every training judgment when it arrived, in replay order: what the learner splits a judgment
   * under a framing by (conditionShares, split 'posterior').
   */
  readonly constructed: Float64Array;
  /** The reliability state after the training judgments (the learner's users' and partitions' state must equal it). */
  readonly tracker: ReliabilityTracker;
}

const EMPTY: SparseVector = new Map();

/**
 * The offline experiment of issue #15 (`npm run experiment:judgments`): judgments in time order (occurredAt when every
 * row has it, else file order), a seeded `holdout` share of the distinct unordered pairs held out, and the aggregate
 * Bradley–Terry model of the learner (DiagonalGaussianLogistic over item intercepts, pairwiseObservation) trained on
 * the rest twice: every judgment at weight 1, and every judgment at the weight ReliabilityTracker.observe gives it when
 * it arrives — the call the learner makes, so a live replay gives the same weights. The tracker sees training judgments
 * only: the held-out pairs' labels must not leak into the annotators' agreement.
 */
export function replayJudgments(rows: readonly FileJudgment[], options: ReplayOptions): ReplayResult {
  const ordered = rows.every((row) => row.occurredAt !== undefined)
    ? [...rows].sort((x, y) => x.occurredAt! - y.occurredAt! || x.line - y.line)
    : rows;
  const pairKey = (a: string, b: string) => (a < b ? `${a}\u0001${b}` : `${b}\u0001${a}`);
  const distinct = [...new Set(ordered.map((row) => pairKey(row.chosenId, row.rejectedId)))].sort();
  const random = mulberry32(options.seed);
  for (let k = distinct.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [distinct[k], distinct[j]] = [distinct[j]!, distinct[k]!];
  }
  const heldOut = new Set(distinct.slice(0, Math.round(options.holdout * distinct.length)));

  const partitions = options.partitions ?? 1;
  const tracker = new ReliabilityTracker(options.reliability, partitions === 1 ? undefined : (userId) => kafkaKeyPartition(userId, partitions));
  const modelOptions = { priorVariance: options.itemPriorVariance };
  const unweighted = new DiagonalGaussianLogistic(modelOptions);
  const weighted = new DiagonalGaussianLogistic(modelOptions);
  const test = new Map<string, { a: string; b: string; forA: number; n: number }>();
  const weights: number[] = [];
  const constructed: number[] = [];
  let testJudgments = 0;
  for (const row of ordered) {
    const key = pairKey(row.chosenId, row.rejectedId);
    if (heldOut.has(key)) {
      testJudgments++;
      const [a, b] = row.chosenId < row.rejectedId ? [row.chosenId, row.rejectedId] : [row.rejectedId, row.chosenId];
      const entry = test.get(key) ?? { a, b, forA: 0, n: 0 };
      entry.forA += row.tie === true ? 0.5 : row.chosenId === a ? 1 : 0;
      entry.n++;
      test.set(key, entry);
      continue;
    }
    const { weight, posterior } = tracker.observe({
      userId: row.annotatorId,
      chosenId: row.chosenId,
      rejectedId: row.rejectedId,
      ...(row.tie === undefined ? {} : { tie: row.tie }),
      ...(row.position === undefined ? {} : { position: row.position }),
      ...(row.framingId === undefined ? {} : { framingId: row.framingId }),
      ...(row.order === undefined ? {} : { order: row.order }),
    });
    weights.push(weight);
    constructed.push(posterior.constructed);
    const observation = pairwiseObservation(EMPTY, row.chosenId, EMPTY, row.rejectedId, row.tie === true);
    unweighted.update(observation.aggregateX, observation.y, 1);
    weighted.update(observation.aggregateX, observation.y, weight);
  }

  const accuracy = (model: DiagonalGaussianLogistic): HeldOutAccuracy => {
    let right = 0;
    let pairs = 0;
    let truthRight = 0;
    for (const { a, b, forA, n } of test.values()) {
      const margin = model.logit(pairwiseObservation(EMPTY, a, EMPTY, b).aggregateX);
      // A model with no opinion (both items unseen) is right half the time.
      const score = (aBetter: boolean) => (margin === 0 ? 0.5 : margin > 0 === aBetter ? 1 : 0);
      if (2 * forA !== n) {
        pairs++;
        right += score(2 * forA > n);
      }
      if (options.truth !== undefined) truthRight += score(options.truth.get(a)! > options.truth.get(b)!);
    }
    return { majority: pairs === 0 ? Number.NaN : right / pairs, ...(options.truth === undefined ? {} : { truth: truthRight / test.size }) };
  };

  const classCounts = { genuine: 0, 'non-attitude': 0, constructed: 0, unknown: 0 };
  const annotatorClasses = { genuine: 0, 'non-attitude': 0, constructed: 0 };
  let agree = 0;
  let disagree = 0;
  let annotatorsCompared = 0;
  let annotatorsBelowHalf = 0;
  let frequentAnnotators = 0;
  let frequentBelowHalf = 0;
  let signals = 0;
  for (const userId of tracker.userIds()) {
    const report = tracker.user(userId)!;
    for (const label of [...LABEL_CLASSES, 'unknown'] as const) classCounts[label] += report.classCounts[label];
    signals += report.signals;
    annotatorClasses[LABEL_CLASSES.reduce((best, c) => (report.classShares[c] > report.classShares[best] ? c : best))]++;
    const compared = report.reliability.agree + report.reliability.disagree;
    agree += report.reliability.agree;
    disagree += report.reliability.disagree;
    if (compared === 0) continue;
    const below = report.reliability.agree / compared < 0.5 ? 1 : 0;
    annotatorsCompared++;
    annotatorsBelowHalf += below;
    if (compared >= 20) (frequentAnnotators++, (frequentBelowHalf += below));
  }
  const summary = tracker.summary();
  const known = ordered.filter((row) => !heldOut.has(pairKey(row.chosenId, row.rejectedId)) && row.position !== undefined && row.tie !== true).length;
  const share = summary.firstShownShare;
  return {
    judgments: rows.length,
    annotators: new Set(rows.map((row) => row.annotatorId)).size,
    pairs: distinct.length,
    heldOutPairs: heldOut.size,
    heldOut,
    majorityPairs: [...test.values()].filter(({ forA, n }) => 2 * forA !== n).length,
    testJudgments,
    unweighted: accuracy(unweighted),
    weighted: accuracy(weighted),
    meanWeight: weights.reduce((s, w) => s + w, 0) / Math.max(1, weights.length),
    classShares: Object.fromEntries(Object.entries(classCounts).map(([label, count]) => [label, count / Math.max(1, signals)])) as ReplayResult['classShares'],
    annotatorClasses,
    judgmentsAgainstMajority: disagree / Math.max(1, agree + disagree),
    annotatorsCompared,
    annotatorsBelowHalf,
    frequentAnnotators,
    frequentBelowHalf,
    positionJudgments: known,
    firstShownShare: share,
    firstShownStandardError: Math.sqrt((share * (1 - share)) / Math.max(1, known)),
    annotatorsWithPositionBias: summary.usersWithPositionBias,
    weights: Float64Array.from(weights),
    constructed: Float64Array.from(constructed),
    tracker,
  };
}
