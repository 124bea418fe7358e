import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { alertCandidate, driftAlert } from '../testing/drift-alert.fixture';
import { DriftStateRepository } from './drift-state.repository';
import { driftRetentionPolicies } from './retention.policy';

const pg = useMigratedDatabase('drift_retention');

describe('drift-watch retention', () => {
  it('deletes expired alerts only once both outboxes are done with them, and expired series points', async () => {
    const repo = new DriftStateRepository(pg.db, 'drift-retention', 6 * 3600_000);
    const alerts = {
      done: driftAlert(1, { subject: 'done' }),
      unpublished: driftAlert(2, { subject: 'unpublished', rerankRequested: false }),
      rerankOwed: driftAlert(3, { subject: 'rerank-owed' }),
      noRerank: driftAlert(4, { subject: 'no-rerank', rerankRequested: false }),
      recent: driftAlert(5, { subject: 'recent', rerankRequested: false }),
    };
    const bucket = Date.parse('2026-11-27T10:00:00Z');
    await repo.flush({
      users: [],
      shards: [],
      offsets: [],
      alerts: Object.values(alerts).map((a) => alertCandidate(a, a.raisedAt)),
      userPoints: [
        { userId: 'old', domain: 'movies', metric: 'miscalibration', bucketStart: bucket, value: 1 },
        { userId: 'new', domain: 'movies', metric: 'miscalibration', bucketStart: bucket, value: 1 },
      ],
      populationPoints: [{ domain: 'movies', metric: 'mean-miscalibration', shard: 0, bucketStart: bucket, value: 1, users: 1, events: 1 }],
      segmentPoints: [{ domain: 'movies', segment: 'cohort', metric: 'mean-miscalibration', shard: 0, bucketStart: bucket, value: 1, users: 5 }],
    });
    await pg.db.query(`UPDATE drift_alerts SET published_at = now() WHERE subject <> 'unpublished'`);
    await pg.db.query(`UPDATE drift_alerts SET rerank_enqueued_at = now() WHERE subject = 'done'`);
    await pg.db.query(`UPDATE drift_alerts SET last_seen_at = now() - interval '40 days' WHERE subject <> 'recent'`);
    await pg.db.query(`UPDATE drift_user_series SET created_at = now() - interval '10 days' WHERE user_id = 'old'`);
    await pg.db.query(`UPDATE drift_population_series SET created_at = now() - interval '100 days'`);
    await pg.db.query(`UPDATE drift_segment_series SET created_at = now() - interval '100 days'`);

    const policies = driftRetentionPolicies(pg.db, { DRIFT_ALERT_RETENTION_DAYS: 30, DRIFT_USER_SERIES_RETENTION_DAYS: 7, DRIFT_POPULATION_SERIES_RETENTION_DAYS: 90 });
    expect(policies.map((p) => [p.table, p.days])).toEqual([
      ['drift_alerts', 30],
      ['drift_user_series', 7],
      ['drift_population_series', 90],
      ['drift_segment_series', 90],
    ]);
    const deleted = [];
    for (const policy of policies) deleted.push(await policy.deleteBatch(policy.days, 100));
    expect(deleted).toEqual([{ drift_alerts: 2 }, { drift_user_series: 1 }, { drift_population_series: 1 }, { drift_segment_series: 1 }]);
    const left: { subject: string }[] = await pg.db.query(`SELECT subject FROM drift_alerts ORDER BY subject`);
    expect(left.map((r) => r.subject)).toEqual(['recent', 'rerank-owed', 'unpublished']);
    expect(await pg.db.query(`SELECT user_id FROM drift_user_series`)).toEqual([{ user_id: 'new' }]);
  });
});
