import { conditionShares, DEFAULT_RELIABILITY_OPTIONS, ReliabilityTracker, type ConditionSplit } from '@chorus/reliability';
import { ConditionDeviations, DiagonalGaussianLogistic } from '@chorus/reward';
import { plantAnnotators, plantedPreference, trulyPreferred, type AnnotatorOptions, type PlantedAnnotator } from './planted-annotators';
import { SimulationInputError } from './simulation-input.error';

/**
 * How the personalized model treats a signal's condition: `none` — one condition-free deviation learns every judgment
 * at its label weight (the learner's default: the personalized model is not reliability-weighted); `reliability` —
 * the same, weighed by reliability (LEARNER_RELIABILITY_WEIGHTS=both); `label` / `posterior` — per-condition
 * deviations, split by conditionShares with that split; `reliability+posterior` — the condition-free deviation
 * weighed by reliability (which carries the constructed class weight already), the condition's deviation learning
 * P(constructed) as in `posterior`.
 */
export const CONDITION_VARIANTS = ['none', 'reliability', 'label', 'posterior', 'reliability+posterior'] as const;
export type ConditionVariant = (typeof CONDITION_VARIANTS)[number];

export interface ConditionExperimentOptions {
  /** The planted annotators (plantAnnotators's options; its seed is the experiment's). */
  readonly annotators?: Partial<AnnotatorOptions>;
  /** τ²: prior variance of a user's condition-free deviation. */
  readonly tau2?: number;
  /** κ²: prior variance of a condition's deviation. */
  readonly kappa2?: number;
  /** Share of the judgments, the last in time order, held out. */
  readonly testShare?: number;
}

/** Accuracies in [0, 1] with the number of held-out judgments they are over. */
export interface Accuracy {
  readonly accuracy: number;
  readonly n: number;
}

export interface ConditionExperimentResult {
  /**
   * Held-out judgments scored under their own framing (aggregate + w + d_{u,c}), against the annotator's planted
   * preference under that framing (position aside); non-attitudes, which have none, are left out.
   */
  readonly withinCondition: Record<ConditionVariant, { readonly constructed: Accuracy; readonly all: Accuracy }>;
  /**
   * The same held-out pairs scored with no condition (aggregate + w), against the planted true preference (quality):
   * what the user's model says in a framing it has never seen, where a constructed preference has no say.
   */
  readonly unseenCondition: Record<ConditionVariant, { readonly constructed: Accuracy; readonly all: Accuracy }>;
  /** (user, condition) deviations the `posterior` variant keeps at the end: what the split costs in state. */
  readonly deviations: number;
}

/**
 * Issue #15's "a constructed preference counts within its own condition and is not generalised across conditions",
 * measured on planted annotators (plantAnnotators). One aggregate Bradley–Terry model over item intercepts, weighed by
 * reliability as the learner's aggregate is by default, serves every variant; per user, each variant keeps its own
 * deviation over per-item features (one category per item, so the planted per-item framing effects are representable
 * — in the learner the user's features are the item's categories) learning around the aggregate's score, and the
 * condition variants a deviation per (user, framing) learning around the user's score (ConditionDeviations).
 *
 * The judgments are learned in time order, the reliability tracker classifying each prequentially; the last
 * `testShare` are held out (not learned, not observed) and scored by the final models.
 */
export function runConditionExperiment(options: ConditionExperimentOptions = {}): ConditionExperimentResult {
  const { tau2 = 1, kappa2 = 1, testShare = 0.2 } = options;
  if (!(tau2 > 0) || !(kappa2 > 0)) throw new SimulationInputError(`tau2 (${tau2}) and kappa2 (${kappa2}) must be > 0`);
  if (!(testShare > 0 && testShare < 1)) throw new SimulationInputError(`testShare is ${testShare}; it must lie in (0, 1)`);
  const planted = plantAnnotators(options.annotators);
  const annotators = new Map(planted.annotators.map((a) => [a.id, a]));
  const judgments = planted.judgments;
  const trainCount = Math.floor(judgments.length * (1 - testShare));

  const tracker = new ReliabilityTracker();
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  type UserModels = { w: DiagonalGaussianLogistic; d: ConditionDeviations };
  const users = CONDITION_VARIANTS.map(() => new Map<string, UserModels>());
  const modelsOf = (variant: number, userId: string) => {
    let models = users[variant]!.get(userId);
    if (!models) users[variant]!.set(userId, (models = { w: new DiagonalGaussianLogistic({ priorVariance: tau2 }), d: new ConditionDeviations({ priorVariance: kappa2, maxConditions: 16 }) }));
    return models;
  };
  const aggregateX = (chosen: string, rejected: string) => new Map([[`item:${chosen}`, 1], [`item:${rejected}`, -1]]);
  const userX = (chosen: string, rejected: string) => new Map([[`cat:${chosen}`, 1], [`cat:${rejected}`, -1]]);

  for (let k = 0; k < trainCount; k++) {
    const judgment = judgments[k]!;
    const { weight, posterior, label } = tracker.observe(judgment);
    const xa = aggregateX(judgment.chosenId, judgment.rejectedId);
    const xu = userX(judgment.chosenId, judgment.rejectedId);
    const offset = aggregate.update(xa, 1, weight);
    CONDITION_VARIANTS.forEach((variant, v) => {
      const { w, d } = modelsOf(v, judgment.userId);
      if (variant === 'none') w.update(xu, 1, 1, offset);
      else if (variant === 'reliability') w.update(xu, 1, weight, offset);
      else {
        const split: ConditionSplit = variant === 'label' ? 'label' : 'posterior';
        const shares = conditionShares(posterior, label, split, DEFAULT_RELIABILITY_OPTIONS.constructedWeight);
        const before = w.update(xu, 1, variant === 'reliability+posterior' ? weight : shares.generalised, offset);
        if (shares.withinCondition > 0) d.update(judgment.framingId, xu, 1, shares.withinCondition, before);
      }
    });
  }

  const tally = () => CONDITION_VARIANTS.map(() => ({ constructed: { right: 0, n: 0 }, all: { right: 0, n: 0 } }));
  const within = tally();
  const unseen = tally();
  const count = (into: ReturnType<typeof tally>[number], annotator: PlantedAnnotator, right: boolean) => {
    into.all.n++;
    if (right) into.all.right++;
    if (annotator.behaviour !== 'constructed') return;
    into.constructed.n++;
    if (right) into.constructed.right++;
  };
  let deviations = 0;
  for (const models of users[CONDITION_VARIANTS.indexOf('posterior')]!.values()) deviations += models.d.size;
  for (let k = trainCount; k < judgments.length; k++) {
    const { userId, chosenId, rejectedId, framingId } = judgments[k]!;
    const annotator = annotators.get(userId)!;
    const preferredHere = plantedPreference(planted, annotator, chosenId, rejectedId, framingId);
    if (preferredHere === undefined) continue;
    const truly = trulyPreferred(planted, chosenId, rejectedId);
    const offset = aggregate.logit(aggregateX(chosenId, rejectedId));
    const xu = userX(chosenId, rejectedId);
    CONDITION_VARIANTS.forEach((_, v) => {
      const { w, d } = modelsOf(v, userId);
      const free = w.logit(xu, offset);
      count(within[v]!, annotator, d.logit(framingId, xu, free) > 0 === preferredHere);
      count(unseen[v]!, annotator, free > 0 === truly);
    });
  }
  const accuracy = ({ right, n }: { right: number; n: number }): Accuracy => ({ accuracy: n ? right / n : Number.NaN, n });
  const result = (from: ReturnType<typeof tally>) =>
    Object.fromEntries(CONDITION_VARIANTS.map((variant, v) => [variant, { constructed: accuracy(from[v]!.constructed), all: accuracy(from[v]!.all) }])) as ConditionExperimentResult['withinCondition'];
  return { withinCondition: result(within), unseenCondition: result(unseen), deviations };
}
