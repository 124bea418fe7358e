import type { DriftDetectorConfigBodyV1 } from './drift-detector-config.v1';
import { DRIFT_METRICS, type DriftMetricName } from './drift-metric';

/**
 * The built-in drift policy: how each metric is watched when no configuration row says otherwise. Version 0 in the
 * admin API and in alerts means "built-in". Chosen so that the end-to-end streams and the unit simulations of
 * services/drift-watch behave as documented there (narrowing users alert, stable users do not); change them per
 * deployment through the versioned configuration, not here.
 *
 * Per-user series are exponentially weighted means updated on every event (half-life DRIFT_USER_HALF_LIFE_EVENTS), so
 * they are smooth and autocorrelated: Page–Hinkley in one direction with a tolerance δ and a threshold λ in the
 * metric's own units suits them (ADWIN's independence assumption does not hold for a smoothed series and fires on
 * noise). Population series are one point per time bucket, so they start after a few points.
 */
const pageHinkley = (
  direction: 'up' | 'down',
  { delta, threshold, criticalChange, population = false }: { delta: number; threshold: number; criticalChange: number; population?: boolean },
): DriftDetectorConfigBodyV1 => ({
  detector: 'PageHinkley',
  params: { minInstances: population ? 3 : 20, delta, threshold, mode: direction },
  direction,
  harmful: true,
  criticalChange,
  referenceSize: population ? 3 : 20,
  enabled: true,
});

// δ is about half the smallest shift worth reporting and above the series' own wobble, λ a few δ-corrected steps of a
// real shift. Measured on services/drift-watch's simulations (drift-engine.spec.ts): 150 stable users × 300 rounds raise
// no user alert; narrowing, crowded-out and stance-camp users are caught within ~10–40 observations of the change.
export const BUILT_IN_DRIFT_CONFIG: Readonly<Record<DriftMetricName, DriftDetectorConfigBodyV1>> = {
  'exposure-entropy': pageHinkley('down', { delta: 0.01, threshold: 1, criticalChange: 0.3 }),
  'consumption-entropy': pageHinkley('down', { delta: 0.03, threshold: 1.5, criticalChange: 0.3 }),
  miscalibration: pageHinkley('up', { delta: 0.1, threshold: 4, criticalChange: 1 }),
  // A user's deviation is meant to grow as their own evidence earns it (DESIGN §1): growth alone is not harm, so it is
  // watched (series, expected-change counts) but alerts only where an operator configures it as harmful.
  'personal-divergence': { ...pageHinkley('up', { delta: 0.05, threshold: 10, criticalChange: 2 }), harmful: false },
  'stance-extremity': pageHinkley('up', { delta: 0.1, threshold: 2, criticalChange: 0.3 }),
  'stance-reinforcement': pageHinkley('up', { delta: 0.1, threshold: 2, criticalChange: 0.3 }),
  'mean-exposure-entropy': pageHinkley('down', { delta: 0.01, threshold: 0.3, criticalChange: 0.2, population: true }),
  'mean-consumption-entropy': pageHinkley('down', { delta: 0.01, threshold: 0.3, criticalChange: 0.2, population: true }),
  'mean-miscalibration': pageHinkley('up', { delta: 0.05, threshold: 1, criticalChange: 0.5, population: true }),
  'mean-personal-divergence': { ...pageHinkley('up', { delta: 0.1, threshold: 3, criticalChange: 1, population: true }), harmful: false },
  'mean-stance-extremity': pageHinkley('up', { delta: 0.02, threshold: 0.3, criticalChange: 0.2, population: true }),
  'mean-stance-reinforcement': pageHinkley('up', { delta: 0.02, threshold: 0.3, criticalChange: 0.2, population: true }),
  'exposure-gini': pageHinkley('up', { delta: 0.02, threshold: 0.3, criticalChange: 0.2, population: true }),
  homogenization: pageHinkley('up', { delta: 0.02, threshold: 0.3, criticalChange: 0.2, population: true }),
  polarization: pageHinkley('up', { delta: 0.02, threshold: 0.3, criticalChange: 0.25, population: true }),
  bimodality: pageHinkley('up', { delta: 0.05, threshold: 0.5, criticalChange: 0.25, population: true }),
  // A bucket's share is a mean of class posteriors; per partition shard of a stationary planted stream (~33 judgments a
  // bucket) it wobbles by up to ±0.1 for a few buckets, which λ = 0.15 mistook for a rise; a burst of coin-flip
  // annotators lifts it by 0.1–0.3 for good and is caught within ~5–15 buckets (non-attitude-share.spec.ts, the e2e).
  'non-attitude-share': pageHinkley('up', { delta: 0.05, threshold: 0.3, criticalChange: 0.1, population: true }),
};

/**
 * The domain policy: in which domains a watched change is harm (DESIGN §5). Only `harmful` differs by domain; the
 * detectors are the same. Domains not listed (including `news` and `creative`) take the built-in `harmful` above:
 * narrowing, miscalibration, stance extremity/reinforcement and polarization are harm.
 *
 * - `code`: convergence is right for code answers — narrowing, concentration and calibration drift are expected, and
 *   stance rarely applies. Nothing alerts by default; the changes are still detected and counted as expected.
 * - `movies`: narrowing and miscalibration are harm (Steck's crowded-out minority interest is a movie example), but
 *   taste camps are not opinion camps: stance and polarization metrics do not alert.
 */
// A Map keyed by domain: domains are client-chosen names, and "constructor" must not find Object.prototype's.
export const BUILT_IN_DOMAIN_POLICY: ReadonlyMap<string, ReadonlyMap<DriftMetricName, { harmful: boolean }>> = new Map([
  ['code', new Map((Object.keys(DRIFT_METRICS) as DriftMetricName[]).map((metric) => [metric, { harmful: false }]))],
  [
    'movies',
    new Map(
      (Object.keys(DRIFT_METRICS) as DriftMetricName[])
        .filter((metric) => ['stance', 'polarization'].includes(DRIFT_METRICS[metric].family))
        .map((metric) => [metric, { harmful: false }]),
    ),
  ],
]);

/** A stored configuration version (a row of drift_detector_configs). */
export interface StoredDriftConfig {
  metric: DriftMetricName;
  /** A domain, or `*` for every domain without its own row. */
  domain: string;
  version: number;
  /** Global, increasing id of the change (the row), so a reader notices any change by its maximum. */
  changeId: number;
  config: DriftDetectorConfigBodyV1;
  createdAt: string;
}

/** The configuration in force for one metric in one domain, and where it came from. */
export interface EffectiveDriftConfig {
  metric: DriftMetricName;
  domain: string;
  config: DriftDetectorConfigBodyV1;
  /** Version of the row in force (0 = built-in). */
  version: number;
  /** `changeId` of the row in force (0 = built-in): a watcher rebuilds its detector when this changes. */
  changeId: number;
  /** `domain`: a row for this domain; `default`: a `*` row plus the built-in domain policy; `built-in`: no row. */
  source: 'domain' | 'default' | 'built-in';
}

/**
 * The configuration in force: the latest row for (metric, domain) if there is one; otherwise the latest `*` row, or
 * the built-in configuration, with the built-in domain policy's `harmful` applied on top. `latest` holds the latest
 * row per (metric, domain) (older versions do not matter here).
 */
export function resolveDriftConfig(
  metric: DriftMetricName,
  domain: string,
  latest: ReadonlyMap<string, StoredDriftConfig>,
): EffectiveDriftConfig {
  const own = latest.get(driftConfigKey(metric, domain));
  if (own && domain !== '*') return { metric, domain, config: own.config, version: own.version, changeId: own.changeId, source: 'domain' };
  const base = latest.get(driftConfigKey(metric, '*'));
  const policy = BUILT_IN_DOMAIN_POLICY.get(domain)?.get(metric);
  const config = base?.config ?? BUILT_IN_DRIFT_CONFIG[metric];
  return {
    metric,
    domain,
    config: policy ? { ...config, harmful: policy.harmful } : config,
    version: base?.version ?? 0,
    changeId: base?.changeId ?? 0,
    source: base ? 'default' : 'built-in',
  };
}

export function driftConfigKey(metric: string, domain: string): string {
  return `${metric}\u0001${domain}`;
}
