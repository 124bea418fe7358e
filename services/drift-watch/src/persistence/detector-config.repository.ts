import { driftDetectorConfigBodyV1, type DriftMetricName, type StoredDriftConfig } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

/** Reads the versioned detector configuration (drift_detector_configs); the gateway's admin API writes it. */
export class DetectorConfigRepository {
  constructor(private readonly db: DataSource) {}

  /** The highest change id: it moves whenever any configuration changes. */
  async stamp(): Promise<number> {
    const [row]: { stamp: string | null }[] = await this.db.query(`SELECT max(change_id) AS stamp FROM drift_detector_configs`);
    return Number(row?.stamp ?? 0);
  }

  /** The latest version of every (metric, domain). Rows are re-validated: a bad row is a bug worth failing on. */
  async latest(): Promise<StoredDriftConfig[]> {
    const rows: { metric: DriftMetricName; domain: string; version: number; change_id: string; config: unknown; created_at: Date }[] = await this.db.query(
      `SELECT DISTINCT ON (metric, domain) metric, domain, version, change_id, config, created_at
         FROM drift_detector_configs ORDER BY metric, domain, version DESC`,
    );
    return rows.map((r) => ({
      metric: r.metric,
      domain: r.domain,
      version: r.version,
      changeId: Number(r.change_id),
      config: driftDetectorConfigBodyV1.parse(r.config),
      createdAt: r.created_at.toISOString(),
    }));
  }
}
