import type { DriftAlertV1 } from '@chorus/contracts';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { collectAlerts, driftCommitted, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

const USERS = 48;

/**
 * Population drift on the real stack: a news population that splits into two stance camps (half the users drift to
 * ever more extreme items of one sign, half to the other) raises a population-scope polarization alert; a creative
 * population served and clicking across stances throughout raises no population alert.
 *
 * Short streams: 48 users per domain, 130 rounds each (one round per simulated minute), camps forming from round 40 to
 * 80; population metrics in 10-minute event-time buckets (DRIFT_BUCKET_SECONDS=600), estimated per Kafka partition
 * (3 partitions, ~16 users each; polarization needs ≥ 10 gated users with a stance).
 */
describe('drift-watch: population polarization', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let drift: Awaited<ReturnType<typeof startDriftWatch>>;
  let alertsConsumer: Consumer;
  const published: DriftAlertV1[] = [];
  const groupId = `drift-population-${stack.id}`;
  const start = Date.parse('2026-03-03T06:00:00Z');
  let total = 0;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, [...driftCatalogue('news'), ...driftCatalogue('creative')]);
    drift = await startDriftWatch(serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, DRIFT_RERANK_ENABLED: 'false' }));
    alertsConsumer = await collectAlerts(stack.kafka, stack, published);
    const streams = [];
    for (let u = 0; u < USERS; u++) {
      const base = { rounds: 130, startMs: start, stepMs: 60_000 };
      streams.push(userStream({ ...base, userId: `camp-${u}`, domain: 'news', seed: 1000 + u, camp: { side: u % 2 === 0 ? 1 : -1, from: 40, to: 80 } }));
      streams.push(userStream({ ...base, userId: `mixed-${u}`, domain: 'creative', seed: 2000 + u }));
    }
    const messages = interleave(streams);
    total = messages.length;
    await produceDriftMessages(stack, messages);
  });

  afterAll(async () => {
    await alertsConsumer?.disconnect();
    await drift?.app.close();
    await stack.stop();
  });

  it('processes the whole stream', async () => {
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === total, { what: 'drift-watch to commit every message', timeoutMs: 50_000, intervalMs: 250 });
    expect(drift.fatal).toEqual([]);
  });

  it('raises one population polarization alert for the news population that split into camps', async () => {
    const rows: { alert_id: string; scope: string; subject: string; occurrences: number; value: number; baseline: number; payload: DriftAlertV1 }[] = await db.query(
      `SELECT alert_id, scope, subject, occurrences, value, baseline, payload FROM drift_alerts WHERE metric = 'polarization' AND domain = 'news'`,
    );
    // Every partition estimates the population's polarization and may detect the split; repeats fold into one alert.
    expect(rows).toHaveLength(1);
    const alert = rows[0]!;
    expect(alert).toMatchObject({ scope: 'population', subject: 'news' });
    expect(alert.payload).toMatchObject({ detector: 'PageHinkley', direction: 'up', rerankRequested: false, window: { bucketSeconds: 600 } });
    expect(alert.value).toBeGreaterThan(alert.baseline + 0.2);
    // Raised while the camps formed (rounds 40–80 → 06:40–07:20), not before.
    expect(Date.parse(alert.payload.window.end)).toBeGreaterThan(start + 40 * 60_000);
    expect(Date.parse(alert.payload.window.end)).toBeLessThanOrEqual(start + 100 * 60_000);

    const kafka = await pollUntil(
      async () => published.filter((a) => a.metric === 'polarization'),
      (list) => list.length === 1,
      { what: 'the polarization alert on chorus.drift-alerts.v1' },
    );
    expect(kafka[0]!.alertId).toBe(alert.alert_id);
  });

  it('keeps the polarization series per bucket: low before the split, high after', async () => {
    // One point per bucket and partition shard, each shard estimating the population from its own users.
    const points: { bucket_start: Date; value: number }[] = await db.query(
      `SELECT bucket_start, value FROM drift_population_series WHERE domain = 'news' AND metric = 'polarization' ORDER BY bucket_start, shard`,
    );
    const before = points.filter((p) => p.bucket_start.getTime() < start + 40 * 60_000).map((p) => p.value);
    const after = points.filter((p) => p.bucket_start.getTime() >= start + 90 * 60_000).map((p) => p.value);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.max(...before)).toBeLessThan(0.2);
    // Two camps, each spread over the outer bins: well above the mixed population in every shard and bucket (Esteban–Ray
    // reads ≈ 0.5–0.75 for camps across two bins each, 1 only for a split between the two outermost bins).
    expect(Math.min(...after)).toBeGreaterThan(2 * Math.max(...before));
  });

  it('raises no population alert for the creative population that stays mixed', async () => {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM drift_alerts WHERE domain = 'creative' AND scope = 'population'`);
    expect(n).toBe(0);
    const [{ points }] = await db.query(`SELECT count(*)::int AS points FROM drift_population_series WHERE domain = 'creative' AND metric = 'polarization'`);
    expect(points).toBeGreaterThan(0);
  });
});
