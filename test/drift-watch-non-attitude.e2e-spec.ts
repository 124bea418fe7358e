import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coinFlipJudgments, judgmentMessages, plantedCatalogue, spread, stationaryJudgments } from '../services/drift-watch/src/testing/planted-judgments.fixture';
import { driftCommitted, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * The `non-attitude-share` population signal on the real stack (Kafka, Postgres, drift-watch's own consumer and
 * state): planted pairwise judgments (libs/simulation) in 10-minute buckets over three partitions. In `movies`, 25
 * coin-flip annotators join the stationary annotators from bucket 30 (a bot): a population alert, rising, after the
 * burst began. In `creative`, the same stationary annotators alone: points every bucket, no alert.
 */
describe('drift-watch: non-attitude share', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let drift: Awaited<ReturnType<typeof startDriftWatch>>;
  const groupId = `drift-non-attitude-${stack.id}`;
  const start = Date.parse('2026-03-04T00:00:00Z');
  const bucketMs = 600_000;
  const burstFrom = start + 30 * bucketMs;
  let total = 0;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, [...plantedCatalogue('movies'), ...plantedCatalogue('creative')]);
    drift = await startDriftWatch(serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, DRIFT_RERANK_ENABLED: 'false' }));
    const movies = judgmentMessages([...spread(stationaryJudgments(), start, bucketMs, 100), ...spread(coinFlipJudgments(), burstFrom, bucketMs, 100)], 'movies');
    const creative = judgmentMessages(spread(stationaryJudgments(), start, bucketMs, 100), 'creative', movies.length);
    total = movies.length + creative.length;
    await produceDriftMessages(stack, [...movies, ...creative]);
  });

  afterAll(async () => {
    await drift?.app.close();
    await stack.stop();
  });

  it('processes the whole stream', async () => {
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === total, { what: 'drift-watch to commit every message', timeoutMs: 90_000, intervalMs: 250 });
    expect(drift.fatal).toEqual([]);
  });

  it('raises a rising population alert in movies, after the coin-flip annotators arrived', async () => {
    const rows: { scope: string; subject: string; value: number; baseline: number; payload: { direction: string; detector: string; window: { end: string } } }[] = await db.query(
      `SELECT scope, subject, value, baseline, payload FROM drift_alerts WHERE metric = 'non-attitude-share' AND domain = 'movies'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toMatchObject({ scope: 'population', subject: 'movies' });
      expect(row.payload).toMatchObject({ detector: 'PageHinkley', direction: 'up' });
      expect(row.value).toBeGreaterThan(row.baseline);
      expect(Date.parse(row.payload.window.end)).toBeGreaterThan(burstFrom);
    }
  });

  it('keeps the series in both domains and raises no alert for the stationary creative population', async () => {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM drift_alerts WHERE metric = 'non-attitude-share' AND domain = 'creative'`);
    expect(n).toBe(0);
    const points: { domain: string; bucket_start: Date; value: number }[] = await db.query(
      `SELECT domain, bucket_start, value FROM drift_population_series WHERE metric = 'non-attitude-share' ORDER BY domain, bucket_start, shard`,
    );
    const creative = points.filter((p) => p.domain === 'creative');
    expect(creative.length).toBeGreaterThan(30);
    const late = (domain: string) => points.filter((p) => p.domain === domain && p.bucket_start.getTime() >= start + 40 * bucketMs).map((p) => p.value);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Ten buckets into the burst, the share in movies stands well above the stationary population's in every view.
    expect(mean(late('movies'))).toBeGreaterThan(mean(late('creative')) + 0.1);
  });
});
