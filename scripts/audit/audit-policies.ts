import { NEAR_PURE_PERSONAL_TAU2, POOLED_TAU2 } from '@chorus/simulation';
import { reliabilityWeightConfigShape, rewardPriorConfigShape, type ConditionDeviationUse, type ReliabilityWeighting } from '@chorus/scoring';
import { z } from 'zod';

/** A serving policy of the live audit: a configuration of the running services. */
export interface AuditPolicy {
  readonly name: string;
  readonly description: string;
  /**
   * τ², the services' LEARNER_TAU2 (every service that scores reads the same priors); undefined: LEARNER_TAU2 unset,
   * τ² learned per domain from the events (the run reports the τ² the gateway held at its end).
   */
  readonly tau2: number | undefined;
  /** Serve the reranker's calibrated lists (the gateway's SERVING_POLICY=calibrated, and a rerank of every user per round). */
  readonly calibrated: boolean;
  /** LEARNER_MAX_PERSONAS: personas per user at most (1 = one deviation per user, as before personas). */
  readonly maxPersonas: number;
  /** LEARNER_RELIABILITY_WEIGHTS: which models weigh a pairwise judgment by its reliability. */
  readonly reliabilityWeights: ReliabilityWeighting;
  /** LEARNER_BORROWING: cold users may be served a similar user's deviation once their own events back it. */
  readonly borrowing: boolean;
  /** LEARNER_CONDITION_DEVIATIONS: whether the personalized model keeps a deviation per framing (issue #15). */
  readonly conditionDeviations: ConditionDeviationUse;
  /** LEARNER_CONDITION_PRIOR_VARIANCE: κ², the prior variance of a framing's deviation. */
  readonly conditionPriorVariance: number;
}

/** The services' own defaults, read from the schemas they parse their environment with: a policy varies one at a time. */
const serviceDefaults = z.object({ ...rewardPriorConfigShape, ...reliabilityWeightConfigShape }).parse({});
const SERVICE_DEFAULTS = {
  maxPersonas: serviceDefaults.LEARNER_MAX_PERSONAS,
  reliabilityWeights: serviceDefaults.LEARNER_RELIABILITY_WEIGHTS,
  borrowing: serviceDefaults.LEARNER_BORROWING,
  conditionDeviations: serviceDefaults.LEARNER_CONDITION_DEVIATIONS,
  conditionPriorVariance: serviceDefaults.LEARNER_CONDITION_PRIOR_VARIANCE,
};
const pooledDefaults = { tau2: POOLED_TAU2, calibrated: false, ...SERVICE_DEFAULTS };

/**
 * The audit's policies, by the names AuditResult uses. τ² are the offline loop's (libs/simulation STANDARD_POLICIES),
 * so an offline and a live run of one policy are the same model. The ones after `calibrated` are `pooled` with one
 * setting changed, so each is compared with `pooled` in one invocation (`--policies pooled,learned,…`).
 */
export const AUDIT_POLICIES: Readonly<Record<string, AuditPolicy>> = {
  aggregate: { ...pooledDefaults, name: 'aggregate', description: 'aggregate only (τ² = 0): everyone is served the population model', tau2: 0 },
  pooled: {
    ...pooledDefaults,
    name: 'pooled',
    description: `pooled (τ² = ${POOLED_TAU2}): own deviations shrunk toward the aggregate, up to ${SERVICE_DEFAULTS.maxPersonas} personas per user (the services' default)`,
  },
  personal: { ...pooledDefaults, name: 'personal', description: `near-pure personal (τ² = ${NEAR_PURE_PERSONAL_TAU2}): the prior barely pulls a deviation in`, tau2: NEAR_PURE_PERSONAL_TAU2 },
  calibrated: {
    ...pooledDefaults,
    name: 'calibrated',
    description: `pooled (τ² = ${POOLED_TAU2}) with calibrated serving: every user reranked (Steck) each round, the gateway serves the calibrated list`,
    calibrated: true,
  },
  'single-deviation': {
    ...pooledDefaults,
    name: 'single-deviation',
    description: `pooled (τ² = ${POOLED_TAU2}) with one deviation per user (LEARNER_MAX_PERSONAS=1): no personas`,
    maxPersonas: 1,
  },
  learned: { ...pooledDefaults, name: 'learned', description: 'pooled with τ² learned per domain from the events (LEARNER_TAU2 unset) instead of fixed at 1', tau2: undefined },
  unweighted: {
    ...pooledDefaults,
    name: 'unweighted',
    description: `pooled (τ² = ${POOLED_TAU2}) without reliability weighting of pairwise judgments (LEARNER_RELIABILITY_WEIGHTS=none)`,
    reliabilityWeights: 'none',
  },
  borrowing: {
    ...pooledDefaults,
    name: 'borrowing',
    description: `pooled (τ² = ${POOLED_TAU2}) with cold-start borrowing of a similar user's deviation (LEARNER_BORROWING=true)`,
    borrowing: true,
  },
};

/** What `npm run audit` runs without --policies: the four of issue #12 (the others are asked for by name). */
export const DEFAULT_AUDIT_POLICIES: readonly string[] = ['aggregate', 'pooled', 'personal', 'calibrated'];

/**
 * The services' environment for a policy. Every variable a policy decides is set, and the per-domain overrides are
 * unset (undefined: the child process does not get it), so an operator's shell cannot change a policy behind its name.
 * Every service of the stack gets the same environment: learner, gateway, reranker and drift-watch read the priors,
 * learner and gateway the reliability weights, borrowing and the per-framing deviations.
 */
export function policyEnvironment(policy: AuditPolicy): NodeJS.ProcessEnv {
  return {
    LEARNER_TAU2: policy.tau2 === undefined ? undefined : String(policy.tau2),
    LEARNER_TAU2_BY_DOMAIN: undefined,
    LEARNER_MAX_PERSONAS: String(policy.maxPersonas),
    LEARNER_RELIABILITY_WEIGHTS: policy.reliabilityWeights,
    LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: undefined,
    LEARNER_BORROWING: String(policy.borrowing),
    LEARNER_CONDITION_DEVIATIONS: policy.conditionDeviations,
    LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN: undefined,
    LEARNER_CONDITION_PRIOR_VARIANCE: String(policy.conditionPriorVariance),
    SERVING_POLICY: policy.calibrated ? 'calibrated' : 'accuracy',
  };
}

/** What a policy sets apart from `pooled`'s configuration (besides τ² and serving), for the result: empty for the four of issue #12. */
export function policySettings(policy: AuditPolicy): Record<string, string> {
  const settings: Record<string, string> = {};
  if (policy.tau2 === undefined) settings.LEARNER_TAU2 = 'unset (learned)';
  if (policy.maxPersonas !== SERVICE_DEFAULTS.maxPersonas) settings.LEARNER_MAX_PERSONAS = String(policy.maxPersonas);
  if (policy.reliabilityWeights !== SERVICE_DEFAULTS.reliabilityWeights) settings.LEARNER_RELIABILITY_WEIGHTS = policy.reliabilityWeights;
  if (policy.borrowing !== SERVICE_DEFAULTS.borrowing) settings.LEARNER_BORROWING = String(policy.borrowing);
  if (policy.conditionDeviations !== SERVICE_DEFAULTS.conditionDeviations) settings.LEARNER_CONDITION_DEVIATIONS = policy.conditionDeviations;
  if (policy.conditionPriorVariance !== SERVICE_DEFAULTS.conditionPriorVariance) settings.LEARNER_CONDITION_PRIOR_VARIANCE = String(policy.conditionPriorVariance);
  return settings;
}
