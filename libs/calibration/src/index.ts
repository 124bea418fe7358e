export { CalibrationInputError } from './calibration-input.error';
export {
  categoryDistribution,
  uniformCategoryDistribution,
  DISTRIBUTION_SUM_TOLERANCE,
  type CategoryDistribution,
  type CategoryHistoryEntry,
} from './category-distribution';
export { calibrationKl, DEFAULT_ALPHA } from './calibration-kl';
export {
  calibratedRerank,
  MINORITY_INTEREST_THRESHOLD,
  type CalibratedRerankInput,
  type CalibratedRerankResult,
  type CalibrationPrior,
  type CatalogueCandidates,
  type RerankOptions,
  type MinorityShare,
  type RerankCandidate,
} from './calibrated-rerank';
export { RerankCatalogue, type RerankCatalogueItem } from './rerank-catalogue';
