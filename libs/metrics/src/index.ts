/**
 * @chorus/metrics — echo-chamber and polarization metrics for drift watch (DESIGN.md §5). Pure math: no framework and
 * no other Chorus library is imported. Every stateful metric updates incrementally and serialises with
 * toJSON()/fromJSON() so drift-watch can persist it across restarts. Bad input throws {@link MetricInputError}
 * (a RangeError with a stable code); "not defined yet" (no data, n too small, constant input) is `undefined`.
 */
export { MetricInputError, type MetricErrorCode } from './metric-input.error';
export { DISTRIBUTION_SUM_TOLERANCE } from './metric-input.guard';
export { resolveDecayFactor, type DecayOptions } from './exponential-decay.config';
export { ExponentialMean, type ExponentialMeanState } from './exponential-mean.estimator';
export { klDivergence, normalizedEntropy, shannonEntropy, softmax } from './information.formula';

// Per user
export {
  ExponentialCategoryMix,
  type EntropyNormalizer,
  type ExponentialCategoryMixOptions,
  type ExponentialCategoryMixState,
} from './exponential-category-mix.metric';
export { STECK_ALPHA, servedCategoryMix, steckMiscalibration } from './steck-miscalibration.metric';
export { deviationInPriorSd, predictiveMixDivergence } from './personal-aggregate-divergence.metric';
export { StanceExtremity, type StanceExtremityState } from './stance-extremity.metric';
export { StanceReinforcement, type StanceReinforcementState } from './stance-reinforcement.metric';

// Per population
export {
  ExposureGini,
  giniCoefficient,
  type ExposureGiniOptions,
  type ExposureGiniState,
} from './exposure-gini.metric';
export {
  EMPTY_SLOT,
  MinHashFamily,
  MinHashSketch,
  exactJaccard,
  type MinHashSketchState,
} from './minhash.sketch';
export { Homogenization, type HomogenizationOptions, type HomogenizationState } from './homogenization.metric';
export { sampleUserPairs } from './user-pair.sampler';
export {
  EstebanRayPolarization,
  type EstebanRayOptions,
  type EstebanRayState,
} from './esteban-ray-polarization.metric';
export { RunningMoments, type RunningMomentsState } from './running-moments.estimator';
export {
  BIMODALITY_THRESHOLD,
  BimodalityCoefficient,
  bimodalityFromMoments,
  type BimodalityCoefficientState,
  type BimodalityStatistics,
} from './bimodality-coefficient.metric';
