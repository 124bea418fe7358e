import { driftDetectorConfigBodyV1, type DriftDetectorConfigBodyV1, type DriftMetricName, type StoredDriftConfig } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

export interface DriftConfigVersion extends StoredDriftConfig {
  createdBy: string | null;
}

interface RawConfig {
  metric: DriftMetricName;
  domain: string;
  version: number;
  change_id: string;
  config: unknown;
  created_at: Date;
  created_by: string | null;
}

/** drift_detector_configs: append-only versions per (metric, domain); drift-watch polls it for changes. */
export class DriftConfigRepository {
  constructor(private readonly db: DataSource) {}

  /** The latest version of every (metric, domain) with a row. */
  async latest(): Promise<DriftConfigVersion[]> {
    const rows: RawConfig[] = await this.db.query(
      `SELECT DISTINCT ON (metric, domain) metric, domain, version, change_id, config, created_at, created_by
         FROM drift_detector_configs ORDER BY metric, domain, version DESC`,
    );
    return rows.map(toVersion);
  }

  /** Every version of one (metric, domain), newest first. */
  async versions(metric: DriftMetricName, domain: string): Promise<DriftConfigVersion[]> {
    const rows: RawConfig[] = await this.db.query(
      `SELECT metric, domain, version, change_id, config, created_at, created_by FROM drift_detector_configs
        WHERE metric = $1 AND domain = $2 ORDER BY version DESC`,
      [metric, domain],
    );
    return rows.map(toVersion);
  }

  /** Appends the next version (under a per-key advisory lock, so concurrent changes get distinct versions). */
  async append(metric: DriftMetricName, domain: string, config: DriftDetectorConfigBodyV1, createdBy: string): Promise<DriftConfigVersion> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('drift_detector_configs:' || $1 || ':' || $2, 0))`, [metric, domain]);
      const [row]: RawConfig[] = await tx.query(
        `INSERT INTO drift_detector_configs (metric, domain, version, config, created_by)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3::jsonb, $4 FROM drift_detector_configs WHERE metric = $1 AND domain = $2
         RETURNING metric, domain, version, change_id, config, created_at, created_by`,
        [metric, domain, JSON.stringify(config), createdBy],
      );
      return toVersion(row!);
    });
  }
}

function toVersion(row: RawConfig): DriftConfigVersion {
  return {
    metric: row.metric,
    domain: row.domain,
    version: row.version,
    changeId: Number(row.change_id),
    config: driftDetectorConfigBodyV1.parse(row.config),
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
  };
}
