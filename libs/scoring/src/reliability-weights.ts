import { z } from 'zod';

/** Which of a domain's models weigh a pairwise judgment by its reliability (issue #15). */
export const RELIABILITY_WEIGHTING = ['none', 'aggregate', 'personalized', 'both'] as const;
export type ReliabilityWeighting = (typeof RELIABILITY_WEIGHTING)[number];

const weighting = z.enum(RELIABILITY_WEIGHTING, { error: `expected one of ${RELIABILITY_WEIGHTING.join(', ')}` });

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
  LEARNER_RELIABILITY_WEIGHTS_BY_DOMAIN: z
    .string()
    .default('')
    .transform((text, ctx) => {
      // No prototype: domains are looked up with untrusted strings, and "__proto__" is a name.
      const out: Record<string, ReliabilityWeighting> = Object.create(null);
      for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [key, value] = pair.split('=').map((s) => s.trim());
        if (!key || !(RELIABILITY_WEIGHTING as readonly string[]).includes(value ?? '')) {
          ctx.addIssue({ code: 'custom', message: `expected comma-separated domain=${RELIABILITY_WEIGHTING.join('|')} pairs, e.g. "news=both,code=none"; "${pair}" is not one` });
          return z.NEVER;
        }
        out[key] = value as ReliabilityWeighting;
      }
      return out;
    }),
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
