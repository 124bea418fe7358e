export type { SparseVector } from './sparse-vector';
export { featureVector, subtract } from './sparse-vector';
export type { ItemDescriptor } from './item-features';
export { ITEM_FEATURE_PREFIX, itemFeatures, withItemIntercept } from './item-features';
export type {
  DiagonalGaussianLogisticJSON,
  DiagonalGaussianLogisticOptions,
  PriorVariance,
} from './diagonal-gaussian-logistic';
export { DiagonalGaussianLogistic, PreparedUpdate } from './diagonal-gaussian-logistic';
export { NonFiniteUpdateError } from './non-finite-update.error';
export { combineShardPosteriors } from './shard-posterior-combination';
export type { RatingLabel, RatingScale } from './rating-label';
export { ratingLabel } from './rating-label';
export type { FeedbackObservation } from './feedback-observation';
export { binaryObservation, pairwiseObservation, pairwiseObservationOf, type ItemVectors } from './feedback-observation';
export type { PrequentialLogits } from './personalized-reward';
export { deviationNorm, personalizedLogit, updateOnObservation } from './personalized-reward';
export { rocAuc } from './roc-auc';
export { AUC_LOGIT_BINS, AUC_LOGIT_LIMIT, aucBinOfLogit, binnedAuc } from './binned-auc';
export type { PoolingStrengthPrior } from './pooling-strength';
export type { PoolingStrengthGridJSON } from './pooling-strength';
export {
  DEFAULT_GRID_PRIOR,
  DEFAULT_POOLING_GRID,
  DEFAULT_POOLING_STRENGTH_PRIOR,
  POOLING_REFRESH_EVENTS,
  PoolingStrengthEvidence,
  PoolingStrengthGrid,
  rebasePosterior,
  rebasedLogits,
} from './pooling-strength';
export type { BorrowingDecision, BorrowingEvidenceJSON, BorrowingGuardOptions } from './borrowing-guard';
export type { DonorPoolOptions, DonorProfile } from './borrowing-donors';
export { DEFAULT_DONOR_POOL, DonorPool, donorDistance, profileLogit } from './borrowing-donors';
export { BorrowingEvidence, DEFAULT_BORROWING_GUARD } from './borrowing-guard';
export type { PersonaDecision, PersonaJSON, PersonaMixtureJSON, PersonaOptions } from './persona-mixture';
export { CANDIDATE_SHARE, DECISIONS_KEPT, DEFAULT_PERSONA_OPTIONS, PersonaMixture, personaLabel, rebasedMixtureLogits, rebasePersonas, updateOnObservationWithPersonas } from './persona-mixture';
export { rebasedInterceptLogits, rebaseItemIntercepts } from './item-intercept-variance';
export type { ConditionDeviationOptions, ConditionDeviationsJSON } from './condition-deviations';
export { checkConditionDeviationOptions, ConditionDeviations, DEFAULT_CONDITION_DEVIATION_OPTIONS } from './condition-deviations';
