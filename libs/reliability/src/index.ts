/**
 * @chorus/reliability — label reliability (issue #15): genuine preferences, non-attitudes and constructed preferences
 * told apart by consistency across repeats and measurement conditions, per-user reliability with its uncertainty, and
 * the weight a judgment should carry. Pure TypeScript, no framework; the model is in README.md.
 */
export { crossConditionAgreement, retestAgreement, type Agreement } from './agreement-counts';
export { countCyclicTriads, type Intransitivity } from './intransitive-cycles';
export {
  classLogLikelihoods,
  classPosterior,
  decideClass,
  LABEL_CLASSES,
  logConsistent,
  logConsistentPlaced,
  positionCounts,
  unplacedCounts,
  type ClassPosterior,
  type ConditionCounts,
  type LabelClass,
  type PositionCounts,
} from './judgment-class';
export { ReliabilityInputError } from './reliability-input.error';
export {
  DEFAULT_RELIABILITY_OPTIONS,
  type ItemObservation,
  type ItemObservationWeight,
  type ItemSignalReliability,
  type UserItemReliability,
  PAIR_SEPARATOR,
  PairCounts,
  pairKey,
  ReliabilityModel,
  UserReliabilityState,
  type UserReliabilityJSON,
  type JudgmentWeight,
  type PairJudgment,
  type PopulationReliability,
  type PositionBias,
  type ReliabilityOptions,
  type SignalReliability,
  type UserReliability,
} from './reliability-model';
export { ReliabilityTracker, type ReliabilityTrackerJSON } from './reliability-tracker';
export { CONDITION_SPLITS, conditionShares, type ConditionShares, type ConditionSplit } from './condition-shares';
