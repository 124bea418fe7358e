import type { DriftAlertV1 } from '@chorus/contracts';
import { migrate } from '../infra/database/migrate-database';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../infra/database/migrations';
import { Retention1764666000000 } from '../infra/database/migrations/1764666000000-retention';
import { AlertOutboxRepository } from '../services/drift-watch/src/persistence/alert-outbox.repository';
import { DriftStateRepository } from '../services/drift-watch/src/persistence/drift-state.repository';
import { driftRetentionPolicies, type DriftRetentionDays } from '../services/drift-watch/src/persistence/retention.policy';
import type { DriftSnapshot, PopulationSeriesPoint, UserSeriesPoint } from '../services/drift-watch/src/engine/drift-state';
import { DRIFT_TEST_ENV, startDriftWatch } from './support/drift-watch';
import { driftAlert } from './support/notifier';
import { pollUntil } from './support/poll';
import { counterValue } from './support/reranker';
import { backdate, sweeperOf } from './support/retention';
import { serviceEnv, TestStack } from './support/test-stack';

const HOUR = 3_600_000;
/** Event time of the MovieLens replay's first ratings: decades before any write. */
const MOVIELENS_1996 = Date.UTC(1996, 2, 29, 18, 0, 0);
const DEFAULT_DAYS: DriftRetentionDays = { DRIFT_ALERT_RETENTION_DAYS: 90, DRIFT_USER_SERIES_RETENTION_DAYS: 30, DRIFT_POPULATION_SERIES_RETENTION_DAYS: 90 };

/**
 * drift-watch's retention on the real Postgres: rows go by WRITE time (a replay of 1996 events is kept), each table by
 * its own period, alerts still owed to Kafka or to the rerank queue are kept, and a backlog is deleted in bounded
 * batches. Rows are written through drift-watch's own repositories (the commit and the outboxes), then backdated.
 */
describe('drift-watch retention', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let url: string;
  /** drift-watch's own writers: the commit of record, and the outboxes that publish alerts and request reranks. */
  let writers: { state: DriftStateRepository; outbox: AlertOutboxRepository };

  /** Commits a snapshot the way drift-watch commits one (no offsets: nothing consumed). */
  const commit = (snapshot: Partial<DriftSnapshot>) => writers.state.flush({ users: [], shards: [], offsets: [], alerts: [], userPoints: [], populationPoints: [], segmentPoints: [], ...snapshot });
  const raise = (n: number, fields: Partial<DriftAlertV1>, eventAtMs: number) =>
    commit({ alerts: [{ alert: driftAlert(n, { rerankRequested: false, ...fields }), eventAtMs, source: `feedback:0:${n}` }] });
  const publishAll = () => writers.outbox.publishPending(1_000, async () => undefined);
  const userPoint = (userId: string, bucketStart: number): UserSeriesPoint => ({ userId, domain: 'movies', metric: 'exposure-entropy', bucketStart, value: 0.5 });
  const populationPoint = (metric: string, bucketStart: number): PopulationSeriesPoint => ({ domain: 'movies', metric, shard: 0, bucketStart, value: 0.3, users: 40, events: 900 });

  const alertSubjects = async () => (await db.query(`SELECT subject FROM drift_alerts ORDER BY subject`)).map((r: { subject: string }) => r.subject);
  const userSeries = async () => (await db.query(`SELECT user_id, count(*)::int AS n FROM drift_user_series GROUP BY 1 ORDER BY 1`)).map((r: { user_id: string; n: number }) => `${r.user_id}:${r.n}`);
  const populationMetrics = async () => (await db.query(`SELECT metric FROM drift_population_series ORDER BY 1`)).map((r: { metric: string }) => r.metric);

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    writers = { state: new DriftStateRepository(db, `drift-${stack.id}`, 6 * HOUR), outbox: new AlertOutboxRepository(db) };
  });

  beforeEach(async () => {
    await db.query(`TRUNCATE drift_alert_acknowledgements, drift_alerts, drift_user_series, drift_population_series, drift_segment_series`);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('keeps what was written now, however old its event time (a MovieLens replay), even at a 1-day retention', async () => {
    await commit({
      userPoints: Array.from({ length: 24 }, (_, h) => userPoint('replayed', MOVIELENS_1996 + h * HOUR)),
      populationPoints: [populationPoint('polarization', MOVIELENS_1996)],
    });
    await raise(1, { subject: 'replayed', raisedAt: new Date(MOVIELENS_1996).toISOString(), window: { start: '1996-03-29T00:00:00Z', end: '1996-03-29T18:00:00Z', observations: 40 } }, MOVIELENS_1996);
    await publishAll();

    const { sweeper } = sweeperOf(driftRetentionPolicies(db, { DRIFT_ALERT_RETENTION_DAYS: 1, DRIFT_USER_SERIES_RETENTION_DAYS: 1, DRIFT_POPULATION_SERIES_RETENTION_DAYS: 1 }), 1_000);
    expect(await sweeper.sweep()).toEqual({ deleted: {}, batches: 4, failed: [] });
    expect(await userSeries()).toEqual(['replayed:24']);
    expect(await populationMetrics()).toEqual(['polarization']);
    expect(await alertSubjects()).toEqual(['replayed']);
  });

  it('deletes each table past its own period and keeps alerts still owed to Kafka or the rerank queue, or still recurring', async () => {
    const t = Date.UTC(2026, 0, 1);
    // Published (and, where requested, rerank enqueued) by the outboxes as drift-watch does...
    await raise(10, { subject: 'old-published' }, t);
    await raise(11, { subject: 'old-rerank-enqueued', rerankRequested: true }, t);
    await raise(12, { subject: 'recent-published' }, t);
    await raise(13, { subject: 'recurring' }, t);
    await publishAll();
    await writers.outbox.requestPendingReranks(1_000, async () => ['rerank-job-1']);
    // ...one whose rerank is still to be requested, and one not yet on Kafka at all.
    await raise(14, { subject: 'old-rerank-pending', rerankRequested: true }, t);
    await publishAll();
    await raise(15, { subject: 'old-unpublished' }, t);

    await backdate(db, 'drift_alerts', 'last_seen_at', 91, `subject <> 'recent-published'`);
    await backdate(db, 'drift_alerts', 'last_seen_at', 89, `subject = 'recent-published'`);
    await backdate(db, 'drift_alerts', 'raised_at', 91, 'true');
    // A repeat of 'recurring' within the cooldown (event time) folds into it and writes it again now.
    const folded = await raise(16, { subject: 'recurring' }, t + HOUR);
    expect(folded).toEqual({ raised: [], folded: 1 });

    await commit({ userPoints: [userPoint('u-31-days', t), userPoint('u-31-days', t + HOUR), userPoint('u-29-days', t)] });
    await backdate(db, 'drift_user_series', 'created_at', 31, `user_id = 'u-31-days'`);
    await backdate(db, 'drift_user_series', 'created_at', 29, `user_id = 'u-29-days'`);
    await commit({ populationPoints: [populationPoint('p-91-days', t), populationPoint('p-31-days', t)] });
    await backdate(db, 'drift_population_series', 'created_at', 91, `metric = 'p-91-days'`);
    await backdate(db, 'drift_population_series', 'created_at', 31, `metric = 'p-31-days'`);
    // Segment series go with the population series' period.
    await db.query(
      `INSERT INTO drift_segment_series (domain, segment, metric, shard, bucket_start, value, users)
       VALUES ('movies', 's-91-days', 'mean-consumption-entropy', 0, $1, 0.5, 6), ('movies', 's-31-days', 'mean-consumption-entropy', 0, $1, 0.5, 6)`,
      [new Date(t).toISOString()],
    );
    await backdate(db, 'drift_segment_series', 'created_at', 91, `segment = 's-91-days'`);
    await backdate(db, 'drift_segment_series', 'created_at', 31, `segment = 's-31-days'`);

    // 0 keeps every table forever.
    const off = sweeperOf(driftRetentionPolicies(db, { DRIFT_ALERT_RETENTION_DAYS: 0, DRIFT_USER_SERIES_RETENTION_DAYS: 0, DRIFT_POPULATION_SERIES_RETENTION_DAYS: 0 }), 1_000);
    expect(await off.sweeper.sweep()).toEqual({ deleted: {}, batches: 0, failed: [] });

    const { sweeper, counted } = sweeperOf(driftRetentionPolicies(db, DEFAULT_DAYS), 1_000);
    expect(await sweeper.sweep()).toEqual({ deleted: { drift_alerts: 2, drift_user_series: 2, drift_population_series: 1, drift_segment_series: 1 }, batches: 4, failed: [] });
    expect(await alertSubjects()).toEqual(['old-rerank-pending', 'old-unpublished', 'recent-published', 'recurring']);
    expect(await userSeries()).toEqual(['u-29-days:1']);
    expect(await populationMetrics()).toEqual(['p-31-days']); // 31 days is past the user series' 30, not the population's 90
    expect((await db.query(`SELECT segment FROM drift_segment_series`)).map((r: { segment: string }) => r.segment)).toEqual(['s-31-days']);
    expect([await counted('drift_alerts'), await counted('drift_user_series'), await counted('drift_population_series'), await counted('drift_segment_series')]).toEqual([2, 2, 1, 1]);

    // Once the outboxes are done with them, the old alerts go too.
    await writers.outbox.requestPendingReranks(1_000, async () => ['rerank-job-2']);
    await publishAll();
    expect((await sweeper.sweep()).deleted).toEqual({ drift_alerts: 2 });
    expect(await alertSubjects()).toEqual(['recent-published', 'recurring']);
  });

  it('deletes a backlog larger than a batch in bounded statements, oldest first', async () => {
    const t = Date.UTC(2026, 0, 1);
    await commit({ userPoints: [...Array.from({ length: 2_500 }, (_, i) => userPoint('backlog', t + i * HOUR)), userPoint('fresh', t)] });
    // Point i was written 31 days + i seconds ago: the higher i, the older.
    await db.query(
      `UPDATE drift_user_series SET created_at = now() - interval '31 days' - (extract(epoch FROM bucket_start - $1::timestamptz) / 3600) * interval '1 second'
        WHERE user_id = 'backlog'`,
      [new Date(t).toISOString()],
    );
    const backlogHours = async () =>
      (await db.query(`SELECT (extract(epoch FROM bucket_start - $1::timestamptz) / 3600)::int AS i FROM drift_user_series WHERE user_id = 'backlog' ORDER BY 1`, [new Date(t).toISOString()])).map(
        (r: { i: number }) => r.i,
      );

    const policies = driftRetentionPolicies(db, DEFAULT_DAYS);
    const userSeriesPolicy = policies.find((p) => p.table === 'drift_user_series')!;
    expect(await userSeriesPolicy.deleteBatch(30, 1_000)).toEqual({ drift_user_series: 1_000 });
    expect(await backlogHours()).toEqual(Array.from({ length: 1_500 }, (_, i) => i)); // the 1,000 oldest went

    const { sweeper, counted } = sweeperOf(policies, 1_000);
    // drift_user_series: 1,000 then 500 (short: done); the other three tables one empty batch each.
    expect(await sweeper.sweep()).toEqual({ deleted: { drift_user_series: 1_500 }, batches: 5, failed: [] });
    expect(await userSeries()).toEqual(['fresh:1']);
    expect(await counted('drift_user_series')).toBe(1_500);
  });

  it('skips rows another transaction holds instead of waiting for it, and deletes them on a later sweep', async () => {
    await commit({ userPoints: [userPoint('held', 0), userPoint('free', 0)] });
    await backdate(db, 'drift_user_series', 'created_at', 40, 'true');
    const { sweeper } = sweeperOf(driftRetentionPolicies(db, DEFAULT_DAYS), 1_000);
    const holder = db.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(`SELECT 1 FROM drift_user_series WHERE user_id = 'held' FOR UPDATE`);
      const started = Date.now();
      expect((await sweeper.sweep()).deleted).toEqual({ drift_user_series: 1 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await userSeries()).toEqual(['held:1']);
      await holder.commitTransaction();
    } finally {
      await holder.release();
    }
    expect((await sweeper.sweep()).deleted).toEqual({ drift_user_series: 1 });
    expect(await userSeries()).toEqual([]);
  });

  it('keeps series points written before the migration one full period from the upgrade; the migration reverts', async () => {
    const { db: upgraded, url: upgradedUrl } = await stack.database('upgrade');
    const retentionIndexes = async () =>
      (
        await upgraded.query(
          `SELECT indexname FROM pg_indexes WHERE indexname IN ('drift_user_series_created_idx', 'drift_population_series_created_idx', 'drift_alerts_last_seen_idx',
                  'calibrated_lists_created_idx', 'notifier_alerts_received_idx', 'alert_deliveries_completed_idx', 'alert_deliveries_alert_seq_idx') ORDER BY 1`,
        )
      ).map((r: { indexname: string }) => r.indexname);
    expect(await retentionIndexes()).toHaveLength(7);

    // Revert down to and including Retention: the migrations after it sit on top of it.
    const undone = migrations.slice(migrations.indexOf(Retention1764666000000)).map((m) => m.name);
    for (let i = 0; i < undone.length; i++) await upgraded.undoLastMigration({ transaction: 'each' });
    expect(await retentionIndexes()).toEqual([]);
    expect((await upgraded.query(`SELECT 1 FROM information_schema.columns WHERE column_name = 'created_at' AND table_name IN ('drift_user_series', 'drift_population_series')`)).length).toBe(0);
    await upgraded.query(`INSERT INTO drift_user_series (user_id, domain, metric, bucket_start, value) VALUES ('before', 'movies', 'exposure-entropy', '1996-03-29T18:00:00Z', 0.5)`);
    await upgraded.query(`INSERT INTO drift_population_series (domain, metric, shard, bucket_start, value, users, events) VALUES ('movies', 'polarization', 0, '1996-03-29T18:00:00Z', 0.1, 10, 10)`);

    expect(await migrate(upgradedUrl)).toEqual(undone);
    expect(await retentionIndexes()).toHaveLength(7);
    const ages: { s: string }[] = await upgraded.query(
      `SELECT extract(epoch FROM now() - created_at) AS s FROM drift_user_series UNION ALL SELECT extract(epoch FROM now() - created_at) FROM drift_population_series`,
    );
    expect(ages).toHaveLength(2);
    for (const { s } of ages) expect(Number(s)).toBeLessThan(60);
    const { sweeper } = sweeperOf(driftRetentionPolicies(upgraded, { DRIFT_ALERT_RETENTION_DAYS: 1, DRIFT_USER_SERIES_RETENTION_DAYS: 1, DRIFT_POPULATION_SERIES_RETENTION_DAYS: 1 }), 1_000);
    expect((await sweeper.sweep()).deleted).toEqual({});
  });

  it('the running drift-watch sweeps on its interval and counts what it deleted in /metrics', async () => {
    await commit({ userPoints: [userPoint('expired', 0), userPoint('expired', HOUR), userPoint('kept', 0)], populationPoints: [populationPoint('expired', 0)] });
    await backdate(db, 'drift_user_series', 'created_at', 31, `user_id = 'expired'`);
    await backdate(db, 'drift_population_series', 'created_at', 91, 'true');
    const drift = await startDriftWatch(serviceEnv(stack, url, { ...DRIFT_TEST_ENV, DRIFT_RETENTION_INTERVAL_MS: '1000' }));
    try {
      await pollUntil(userSeries, (rows) => rows.join() === 'kept:1', { what: 'the expired user series points to be deleted' });
      await pollUntil(populationMetrics, (rows) => rows.length === 0, { what: 'the expired population point to be deleted' });
      const metrics = await drift.registry.metrics();
      expect(counterValue(metrics, 'drift_watch_retention_deleted_rows_total', { table: 'drift_user_series' })).toBe(2);
      expect(counterValue(metrics, 'drift_watch_retention_deleted_rows_total', { table: 'drift_population_series' })).toBe(1);
      expect(drift.fatal).toEqual([]);
    } finally {
      await drift.app.close();
    }
  });
});
