import { z } from 'zod';

/** Which of a domain's models weigh a pairwise judgment by its reliability (issue #15). */
export const RELIABILITY_WEIGHTING = ['none', 'aggregate', 'personalized', 'both'] as const;
export type ReliabilityWeighting = (typeof RELIABILITY_WEIGHTING)[number];

const weighting = z.enum(RELIABILITY_WEIGHTING, { error: `expected one of ${RELIABILITY_WEIGHTING.join(', ')}` });

/** Which of a domain's models keep per-condition deviations (issue #15); only the personalized model can. */
export const CONDITION_DEVIATIONS = ['none', 'personalized'] as const;
export type ConditionDeviationUse = (typeof CONDITION_DEVIATIONS)[number];

/** "domain=value,…" into a prototype-free record, each value one of `values`. */
function byDomain<const V extends string>(values: readonly V[], example: string) {
  return z
    .string()
    .default('')
    .transform((text, ctx) => {
      // No prototype: domains are looked up with untrusted strings, and "__proto__" is a name.
      const out: Record<string, V> = Object.create(null);
      for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [key, value] = pair.split('=').map((s) => s.trim());
        if (!key || !(values as readonly string[]).includes(value ?? '')) {
          ctx.addIssue({ code: 'custom', message: `expected comma-separated domain=${values.join('|')} pairs, e.g. "${example}"; "${pair}" is not one` });
          return z.NEVER;
        }
        out[key] = value as V;
      }
      return out;
    });
}

/**
 * Where reliability weights a judgment's likelihood. Learner (training) and gateway (the model read's effective weight)
 * read the same values. The reliability state is kept in every domain either way, so switching a model on later needs
 * no replay, and `GET /v1/users/:id/reliability` answers everywhere.
 */
export const reliabilityWeightConfigShape = {
  /**
   * Every domain not in LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN. Default `aggregate`: the aggregate is a population
   * estimate, where a judgment's agreement with the other users' majority is what Dawid–Skene's weight is for. The
   * personalized model is not weighed by default, because that same factor would discount exactly the users whose
   * taste differs from the majority's — the users a personal deviation exists for.
   */
  LEARNER_RELIABILITY_WEIGHTS: weighting.default('aggregate'),
  /** Per-domain override, e.g. "news=both,code=none". */
  LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: byDomain(RELIABILITY_WEIGHTING, 'news=both,code=none'),
  /**
   * Per-condition deviations (issue #15: a constructed preference counts within its own condition): `personalized` —
   * a pairwise judgment stating a framing (context.framingId) teaches the user's deviation d_{u,c} for that framing
   * P(constructed) of its weight, and the condition-free personalized model 1 − 0.75·P(constructed) of it (with
   * personalized reliability weighting on, the reliability weight, which carries that share already); scoring under a
   * framing (GET /v1/recommendations?framingId=) adds d_{u,c}. `none`: the personalized model learns every judgment as
   * before. Default `personalized`, measured: libs/reliability/README.md, "Per-condition deviations".
   */
  LEARNER_CONDITION_DEVIATIONS: z.enum(CONDITION_DEVIATIONS, { error: `expected one of ${CONDITION_DEVIATIONS.join(', ')}` }).default('personalized'),
  /** Per-domain override, e.g. "news=none". */
  LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN: byDomain(CONDITION_DEVIATIONS, 'news=none,code=personalized'),
  /** κ²: prior variance of a condition's deviation (1, measured against 0.5 and 2 in the README). */
  LEARNER_CONDITION_PRIOR_VARIANCE: z.coerce.number({ error: 'expected a number' }).positive('expected a number > 0').finite('expected a finite number').default(1),
};

const schema = z.object(reliabilityWeightConfigShape);
export type ReliabilityWeightConfig = z.output<typeof schema>;

/** Whether a domain's aggregate and personalized models use reliability weights. */
export function reliabilityWeighting(config: ReliabilityWeightConfig, domain: string): { readonly aggregate: boolean; readonly personalized: boolean } {
  // Own keys only: a config that crossed a structured clone (the learner's apply worker) has a prototype again.
  const byDomain = config.LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN;
  const use = Object.hasOwn(byDomain, domain) ? byDomain[domain]! : config.LEARNER_RELIABILITY_WEIGHTS;
  return { aggregate: use === 'aggregate' || use === 'both', personalized: use === 'personalized' || use === 'both' };
}

/** Whether a domain's personalized model keeps per-condition deviations, and their prior variance κ². */
export function conditionDeviations(config: ReliabilityWeightConfig, domain: string): { readonly personalized: boolean; readonly priorVariance: number } {
  const byDomain = config.LEARNER_CONDITION_DEVIATIONS_BY_DOMAIN;
  const use = Object.hasOwn(byDomain, domain) ? byDomain[domain]! : config.LEARNER_CONDITION_DEVIATIONS;
  return { personalized: use === 'personalized', priorVariance: config.LEARNER_CONDITION_PRIOR_VARIANCE };
}
