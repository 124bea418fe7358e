import { conditionDeviations, ModelPriors, reliabilityWeighting } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { loadDriftWatchConfig } from '../../services/drift-watch/src/drift-watch.config';
import { loadGatewayConfig } from '../../services/gateway/src/gateway.config';
import { loadLearnerConfig } from '../../services/learner/src/learner.config';
import { loadRerankerConfig } from '../../services/reranker/src/reranker.config';
import { AUDIT_POLICIES, DEFAULT_AUDIT_POLICIES, policyEnvironment, policySettings } from './audit-policies';

/**
 * What each policy must configure, written out by hand from the issue (τ² undefined: learned). Every policy keeps the
 * per-framing deviations of issue #15 at the services' documented defaults (on in the personalized model, κ² = 1).
 */
const CONDITIONS = { conditions: 'personalized', kappa2: 1 } as const;
const INTENDED = {
  aggregate: { tau2: 0, personas: 3, weights: 'aggregate', borrowing: false, serving: 'accuracy' },
  pooled: { tau2: 1, personas: 3, weights: 'aggregate', borrowing: false, serving: 'accuracy' },
  personal: { tau2: 100, personas: 3, weights: 'aggregate', borrowing: false, serving: 'accuracy' },
  calibrated: { tau2: 1, personas: 3, weights: 'aggregate', borrowing: false, serving: 'calibrated' },
  'single-deviation': { tau2: 1, personas: 1, weights: 'aggregate', borrowing: false, serving: 'accuracy' },
  learned: { tau2: undefined, personas: 3, weights: 'aggregate', borrowing: false, serving: 'accuracy' },
  unweighted: { tau2: 1, personas: 3, weights: 'none', borrowing: false, serving: 'accuracy' },
  borrowing: { tau2: 1, personas: 3, weights: 'aggregate', borrowing: true, serving: 'accuracy' },
} as const;

/**
 * An operator's shell that sets every variable a policy decides otherwise: the stack starts each service with the
 * shell's environment and the policy's on top (LocalStack.start), so none of these may survive.
 */
const HOSTILE_SHELL: NodeJS.ProcessEnv = {
  LEARNER_TAU2: '7',
  LEARNER_TAU2_BY_DOMAIN: 'news=9',
  LEARNER_MAX_PERSONAS: '5',
  LEARNER_RELIABILITY_WEIGHTS: 'both',
  LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: 'news=personalized',
  LEARNER_BORROWING: 'true',
  LEARNER_CONDITION_DEVIATIONS: 'none',
  LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN: 'news=none',
  LEARNER_CONDITION_PRIOR_VARIANCE: '9',
  SERVING_POLICY: 'calibrated',
};

/** The environment a service of the stack starts with: the shell's, then the policy's; an undefined value is not passed to the child. */
function serviceEnvironment(name: string): NodeJS.ProcessEnv {
  const merged = { ...HOSTILE_SHELL, ...policyEnvironment(AUDIT_POLICIES[name]!) };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

describe('the audit policies', () => {
  it('are the eight named ones, the default set the four of issue #12 in their order', () => {
    expect(Object.keys(AUDIT_POLICIES)).toEqual(Object.keys(INTENDED));
    expect(DEFAULT_AUDIT_POLICIES).toEqual(['aggregate', 'pooled', 'personal', 'calibrated']);
    for (const [name, policy] of Object.entries(AUDIT_POLICIES)) expect(policy.name).toBe(name);
  });

  it.each(Object.entries(INTENDED))('%s sets the services environment it is named for', (name, intended) => {
    expect(policyEnvironment(AUDIT_POLICIES[name]!)).toEqual({
      LEARNER_TAU2: intended.tau2 === undefined ? undefined : String(intended.tau2),
      LEARNER_TAU2_BY_DOMAIN: undefined,
      LEARNER_MAX_PERSONAS: String(intended.personas),
      LEARNER_RELIABILITY_WEIGHTS: intended.weights,
      LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: undefined,
      LEARNER_BORROWING: String(intended.borrowing),
      LEARNER_CONDITION_DEVIATIONS: CONDITIONS.conditions,
      LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN: undefined,
      LEARNER_CONDITION_PRIOR_VARIANCE: String(CONDITIONS.kappa2),
      SERVING_POLICY: intended.serving,
    });
  });

  it.each(Object.entries(INTENDED))('%s reaches every service that reads it, whatever the shell sets', (name, intended) => {
    const env = serviceEnvironment(name);
    const learner = loadLearnerConfig(env);
    const gateway = loadGatewayConfig(env);
    // Priors: learner (training), gateway (serving), reranker (scoring candidates), drift-watch (divergence in prior sd).
    for (const config of [learner, gateway, loadRerankerConfig(env), loadDriftWatchConfig(env)]) {
      const priors = new ModelPriors(config);
      expect(priors.fixedTau2('news')).toBe(intended.tau2);
      expect(priors.personas('news', 1).maxPersonas).toBe(intended.personas);
      expect(priors.borrowing.guard.enabled).toBe(intended.borrowing);
    }
    // Reliability weights and per-framing deviations: the learner trains with them, the gateway serves and reports the
    // effective weight by them.
    for (const config of [learner, gateway]) {
      expect(reliabilityWeighting(config, 'news')).toEqual({ aggregate: intended.weights === 'aggregate', personalized: false });
      expect(conditionDeviations(config, 'news')).toEqual({ personalized: CONDITIONS.conditions === 'personalized', priorVariance: CONDITIONS.kappa2 });
    }
    expect(gateway.SERVING_POLICY).toBe(intended.serving);
  });

  it('records what a policy changes beyond τ² and serving, and nothing for the four of issue #12', () => {
    expect(Object.fromEntries(Object.keys(INTENDED).map((name) => [name, policySettings(AUDIT_POLICIES[name]!)]))).toEqual({
      aggregate: {},
      pooled: {},
      personal: {},
      calibrated: {},
      'single-deviation': { LEARNER_MAX_PERSONAS: '1' },
      learned: { LEARNER_TAU2: 'unset (learned)' },
      unweighted: { LEARNER_RELIABILITY_WEIGHTS: 'none' },
      borrowing: { LEARNER_BORROWING: 'true' },
    });
    // A policy that changed the per-framing deviations would say so in its result.
    expect(policySettings({ ...AUDIT_POLICIES.pooled!, conditionDeviations: 'none', conditionPriorVariance: 0.5 })).toEqual({
      LEARNER_CONDITION_DEVIATIONS: 'none',
      LEARNER_CONDITION_PRIOR_VARIANCE: '0.5',
    });
  });
});
