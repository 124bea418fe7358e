import { driftConfigKey, resolveDriftConfig, type DriftMetricName, type EffectiveDriftConfig, type StoredDriftConfig } from '@chorus/contracts';

/**
 * The detector configuration in force, per metric and domain: the latest stored versions (drift_detector_configs)
 * resolved over the built-in policy. Reloaded when the table's highest change id moves (drift-watch polls it), after
 * which every watch notices the new change id on its next observation and rebuilds its detector.
 */
export class DetectorConfigs {
  private latest = new Map<string, StoredDriftConfig>();
  private readonly resolved = new Map<string, Map<DriftMetricName, EffectiveDriftConfig>>();
  /** Highest change id loaded (0: none stored). */
  stamp = 0;

  /** Installs the latest row per (metric, domain). */
  install(rows: readonly StoredDriftConfig[], stamp: number): void {
    const latest = new Map<string, StoredDriftConfig>();
    for (const row of rows) {
      const key = driftConfigKey(row.metric, row.domain);
      const current = latest.get(key);
      if (!current || row.version > current.version) latest.set(key, row);
    }
    this.latest = latest;
    this.resolved.clear();
    this.stamp = stamp;
  }

  effective(metric: DriftMetricName, domain: string): EffectiveDriftConfig {
    let byMetric = this.resolved.get(domain);
    if (byMetric === undefined) {
      byMetric = new Map();
      this.resolved.set(domain, byMetric);
    }
    let config = byMetric.get(metric);
    if (config === undefined) {
      config = resolveDriftConfig(metric, domain, this.latest);
      byMetric.set(metric, config);
    }
    return config;
  }
}
