/**
 * @chorus/simulation — a seeded population with planted truth, a choice model that speaks chorus.feedback.v1, the
 * truth-side measures, and an offline closed loop over the reward libraries (DESIGN §9, issue #12). Pure: no framework;
 * of ours only @chorus/contracts (event types) and the math libraries.
 */
export { SimulationInputError } from './simulation-input.error';
export {
  catalogueItems,
  DEFAULT_POPULATION_OPTIONS,
  groupSizes,
  plantPopulation,
  type GroupSpec,
  type LabelBehaviour,
  type PersonaShare,
  type Population,
  type PopulationOptions,
  type SimulatedItem,
  type SimulatedUser,
  type TasteSpec,
  type UserPersona,
} from './planted-population';
export { simulateSession, type ChoiceOptions, type Session } from './choice.model';
export {
  examinationProbability,
  exposureGini,
  listCategoryEntropy,
  listCategoryMass,
  listRegret,
  listStanceReinforcement,
  minorityCategories,
  minorityShareOfList,
  personaUtility,
  stanceExtremityChange,
  trueAuc,
  trueCalibrationKl,
  trueCategoryProfile,
  truePolarization,
  trueUtility,
  type MinorityShareOfList,
} from './truth.measures';
export {
  accuracyPolicy,
  calibratedPolicy,
  NEAR_PURE_PERSONAL_TAU2,
  OfflineRewardLearner,
  POOLED_TAU2,
  STANDARD_POLICIES,
  type LearnerPriors,
  type PolicyFactory,
  type ProfileSource,
  type ServingPolicy,
} from './serving.policy';
export {
  consumptionEntropy,
  HOMOGENIZATION_PAIRS,
  neighbourHomogenization,
  populationHomogenization,
  trueTasteNeighbours,
  trueTasteVector,
} from './homogenization.measures';
export {
  measureServedList,
  runOffline,
  sessionMeasures,
  summarizeRound,
  type SessionMeasures,
  type GroupRoundMeasures,
  type UserRoundMeasures,
  type OfflineRun,
  type OfflineRunOptions,
  type RoundMeasures,
} from './offline-loop.runner';
export {
  applyNarrowing,
  NARROWING_METRICS,
  planNarrowing,
  scoreDetection,
  type DetectionInput,
  type NarrowingOptions,
  type NarrowingSchedule,
  type ScoredAlert,
} from './narrowing-onset';
export type { AlertSignal, AuditAlert, AuditPopulation, AuditResult, DetectionScore, FigureSpread, PolicyRunResult } from './audit-result';
export { POPULATION_NARROWING_METRICS, scoreAlertSignal, type AlertSignalInput } from './alert-signal';
export {
  DEFAULT_ANNOTATOR_OPTIONS,
  plantAnnotators,
  plantedPreference,
  trulyPreferred,
  type AnnotatorOptions,
  type PlantedAnnotator,
  type PlantedAnnotators,
  type PlantedJudgment,
} from './planted-annotators';
export { DEFAULT_RATER_OPTIONS, plantRaters, type PlantedRater, type PlantedRaters, type PlantedRating, type RaterOptions } from './planted-raters';
export { DEFAULT_PERSONA_EXPERIMENT, runPersonaExperiment, type PersonaExperimentOptions, type PersonaExperimentResult } from './persona-experiment';
export {
  CONDITION_VARIANTS,
  runConditionExperiment,
  type ConditionExperimentOptions,
  type ConditionExperimentResult,
  type ConditionVariant,
} from './condition-experiment';
