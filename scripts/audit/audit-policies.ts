import { NEAR_PURE_PERSONAL_TAU2, POOLED_TAU2 } from '@chorus/simulation';

/** A serving policy of the live audit: a configuration of the running services. */
export interface AuditPolicy {
  readonly name: string;
  readonly description: string;
  /** τ², the learner's LEARNER_TAU2 (every service that scores reads the same priors). */
  readonly tau2: number;
  /** Serve the reranker's calibrated lists (the gateway's SERVING_POLICY=calibrated, and a rerank of every user per round). */
  readonly calibrated: boolean;
}

/**
 * The audit's policies, by the names AuditResult uses. τ² are the offline loop's (libs/simulation STANDARD_POLICIES),
 * so an offline and a live run of one policy are the same model. A policy added later (multi-persona, reliability
 * weighting) is one more entry, and `--policies` accepts it by name.
 */
export const AUDIT_POLICIES: Readonly<Record<string, AuditPolicy>> = {
  aggregate: { name: 'aggregate', description: 'aggregate only (τ² = 0): everyone is served the population model', tau2: 0, calibrated: false },
  pooled: { name: 'pooled', description: `pooled (τ² = ${POOLED_TAU2}, the learner's default): own deviations shrunk toward the aggregate`, tau2: POOLED_TAU2, calibrated: false },
  personal: { name: 'personal', description: `near-pure personal (τ² = ${NEAR_PURE_PERSONAL_TAU2}): the prior barely pulls a deviation in`, tau2: NEAR_PURE_PERSONAL_TAU2, calibrated: false },
  calibrated: {
    name: 'calibrated',
    description: `pooled (τ² = ${POOLED_TAU2}) with calibrated serving: every user reranked (Steck) each round, the gateway serves the calibrated list`,
    tau2: POOLED_TAU2,
    calibrated: true,
  },
};
