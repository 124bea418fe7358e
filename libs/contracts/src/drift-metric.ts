import { z } from 'zod';

/**
 * The signals drift-watch keeps (DESIGN §5). Per-user signals are updated on every event of the user and watched once
 * the user has enough events; population signals are computed per time bucket (by event time) and domain.
 */
export const DRIFT_METRICS = {
  // Per user
  'exposure-entropy': { scope: 'user', family: 'diversity', description: 'normalised category entropy of what the user is served (exponentially weighted)' },
  'consumption-entropy': { scope: 'user', family: 'diversity', description: 'normalised category entropy of what the user consumes (exponentially weighted)' },
  miscalibration: { scope: 'user', family: 'calibration', description: "exponentially weighted mean of Steck's C_KL between the user's interest profile and each served list's category mix" },
  'personal-divergence': { scope: 'user', family: 'divergence', description: "the learner's deviation b_u in prior standard deviations, sqrt(Σ b²/τ²)" },
  'stance-extremity': { scope: 'user', family: 'stance', description: 'exponentially weighted mean |stance| of consumed items' },
  'stance-reinforcement': { scope: 'user', family: 'stance', description: "exponentially weighted mean of served stance × the user's own stance" },
  // Per population (domain), per time bucket
  'mean-exposure-entropy': { scope: 'population', family: 'diversity', description: 'mean exposure entropy of the users active in the bucket' },
  'mean-consumption-entropy': { scope: 'population', family: 'diversity', description: 'mean consumption entropy of the users active in the bucket' },
  'mean-miscalibration': { scope: 'population', family: 'calibration', description: 'mean miscalibration of the users active in the bucket' },
  'mean-personal-divergence': { scope: 'population', family: 'divergence', description: 'mean personal divergence of the users active in the bucket' },
  'mean-stance-extremity': { scope: 'population', family: 'stance', description: 'mean stance extremity of the users active in the bucket' },
  'mean-stance-reinforcement': { scope: 'population', family: 'stance', description: 'mean stance reinforcement of the users active in the bucket' },
  'exposure-gini': { scope: 'population', family: 'diversity', description: 'Gini coefficient of item exposures in the bucket (unexposed catalogue items count as zeros)' },
  homogenization: { scope: 'population', family: 'diversity', description: 'mean MinHash Jaccard of consumed-item sets over a fixed panel of user pairs' },
  polarization: { scope: 'population', family: 'polarization', description: 'Esteban–Ray polarization of binned user stances (α = 1.3)' },
  bimodality: { scope: 'population', family: 'polarization', description: "Sarle's bimodality coefficient of user stances (> 5/9 suggests two camps)" },
  'non-attitude-share': {
    scope: 'population',
    family: 'label-quality',
    description: "mean probability that a pairwise judgment in the bucket is a non-attitude (libs/reliability's class posterior of its signal); a sudden rise means a broken surface or a bot",
  },
} as const satisfies Record<string, { scope: 'user' | 'population'; family: DriftMetricFamily; description: string }>;

/** What kind of harm a metric speaks to; calibration and diversity alerts are what calibrated reranking repairs. */
export type DriftMetricFamily = 'diversity' | 'calibration' | 'divergence' | 'stance' | 'polarization' | 'label-quality';

export type DriftMetricName = keyof typeof DRIFT_METRICS;
export const DRIFT_METRIC_NAMES = Object.keys(DRIFT_METRICS) as DriftMetricName[];

export const driftMetricName = z.enum(DRIFT_METRIC_NAMES as [DriftMetricName, ...DriftMetricName[]], {
  error: `metric must be one of ${DRIFT_METRIC_NAMES.join(', ')}`,
});

/** Whether a harmful alert on this metric should be answered with calibrated reranking (DESIGN §5). */
export function triggersRerank(metric: DriftMetricName): boolean {
  const family = DRIFT_METRICS[metric].family;
  return family === 'calibration' || family === 'diversity';
}
