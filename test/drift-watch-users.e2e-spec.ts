import { deadLetterV1, type DeadLetterV1, type DriftAlertV1 } from '@chorus/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { collectAlerts, driftCommitted, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { pollUntil } from './support/poll';
import { counterValue } from './support/reranker';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Per-user drift on the real stack (Kafka, Postgres, Redis; learner and drift-watch running): a news user whose feed and
 * clicks narrow onto one category raises user-scope entropy alerts, a control user served the same way but without
 * narrowing raises none, and a `code` user who narrows exactly like the news user raises none (the domain policy:
 * narrowing is expected for code) although the detectors do see the change.
 *
 * Short streams: 150 rounds (a served list of 10 + one click) per user, one round per simulated minute; narrowing
 * from round 40 to 80. Users are watched from their 30th event (the default gate).
 */
describe('drift-watch: user-scope alerts', () => {
  const stack = new TestStack(3);
  let db: DataSource;
  let drift: Awaited<ReturnType<typeof startDriftWatch>>;
  let learner: Awaited<ReturnType<typeof startLearner>>;
  let alertsConsumer: Consumer;
  let dlqConsumer: Consumer;
  let queue: Queue;
  let redis: Redis;
  const published: DriftAlertV1[] = [];
  const letters: DeadLetterV1[] = [];
  const groupId = `drift-users-${stack.id}`;
  const start = Date.parse('2026-03-02T08:00:00Z');
  const narrowing = { category: 'politics' as const, from: 40, to: 80 };
  let total = 0;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, [...driftCatalogue('news'), ...driftCatalogue('code')]);
    const env = serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_GROUP_ID: groupId, RERANK_QUEUE_PREFIX: `t${stack.id}`, LEARNER_FLUSH_INTERVAL_MS: '100' });
    learner = await startLearner(env);
    alertsConsumer = await collectAlerts(stack.kafka, stack, published);
    dlqConsumer = stack.kafka.consumer({ groupId: `dlq-${stack.id}`, sessionTimeout: 10_000 });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: stack.topic('driftWatchDlq'), fromBeginning: true });
    await dlqConsumer.run({ eachMessage: async ({ message }) => void letters.push(deadLetterV1.parse(JSON.parse(message.value!.toString()))) });
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    queue = new Queue('rerank', { connection: redis, prefix: `t${stack.id}` });

    const scenario = (userId: string, domain: string, seed: number, narrow = false) =>
      userStream({ userId, domain, rounds: 150, seed, startMs: start, stepMs: 60_000, ...(narrow ? { narrow: narrowing } : {}) });
    const messages = interleave([
      scenario('news-narrowing', 'news', 11, true),
      scenario('news-control', 'news', 12),
      scenario('code-narrowing', 'code', 11, true),
    ]);
    total = messages.length;
    await produceDriftMessages(stack, messages);
    // drift-watch reads each gated user's b_u from the learner's store. Started together, drift-watch could get through
    // a user's whole stream before the learner's first commit of that user and read it only on its timed retry
    // (drift-watch-model-retry.e2e covers that); here the learner learns the feedback first, so the checks below do not
    // depend on that timing, and drift-watch then consumes the same topics from the start.
    await pollUntil(
      () => db.query(`SELECT count(*)::int AS n FROM user_models`).then((r: { n: number }[]) => r[0]!.n),
      (n) => n === 3,
      { what: 'the learner to commit a model of each user' },
    );
    drift = await startDriftWatch(env);
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    redis?.disconnect();
    await alertsConsumer?.disconnect();
    await dlqConsumer?.disconnect();
    await drift?.app.close();
    await learner?.app.close();
    await stack.stop();
  });

  interface AlertRow {
    metric: string;
    scope: string;
    detector: string;
    direction: string;
    severity: string;
    value: number;
    baseline: number;
    occurrences: number;
    rerank_requested: boolean;
    rerank_job_ids: string[] | null;
    published_at: Date | null;
  }
  const alertRows = (subject: string): Promise<AlertRow[]> =>
    db.query(`SELECT metric, scope, detector, direction, severity, value, baseline, occurrences, rerank_requested, rerank_job_ids, published_at FROM drift_alerts WHERE subject = $1 ORDER BY metric`, [subject]);

  it('commits every message with its offsets, and reads the learner\'s model of gated users', async () => {
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === total, { what: 'drift-watch to commit every message', timeoutMs: 40_000, intervalMs: 200 });
    expect(drift.fatal).toEqual([]);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM drift_user_state`);
    expect(n).toBe(3);
    // drift-watch read b_u from the learner's store and kept the personal-divergence series of the users it gates.
    const divergence = await pollUntil(
      () => db.query(`SELECT count(*)::int AS n FROM drift_user_series WHERE metric = 'personal-divergence' AND user_id = 'news-narrowing'`).then((r: { n: number }[]) => r[0]!.n),
      (count) => count > 0,
      { what: 'a personal-divergence point for news-narrowing' },
    );
    expect(divergence).toBeGreaterThan(0);
  });

  it('raises user-scope entropy alerts for the narrowing news user, once per metric, published to Kafka', async () => {
    const rows = await pollUntil(() => alertRows('news-narrowing'), (r) => r.length >= 2, { what: 'alerts for news-narrowing', timeoutMs: 20_000 });
    const byMetric = Object.fromEntries(rows.map((r) => [r.metric, r]));
    for (const metric of ['exposure-entropy', 'consumption-entropy']) {
      expect(byMetric[metric]).toMatchObject({ scope: 'user', detector: 'PageHinkley', direction: 'down', rerank_requested: true });
      expect(byMetric[metric]!.value).toBeLessThan(byMetric[metric]!.baseline);
    }
    // The narrowing continues after the first detection: the detector fires again, and the repeats fold into one alert.
    expect(Math.max(...rows.map((r) => r.occurrences))).toBeGreaterThan(1);

    const kafka = await pollUntil(
      async () => published.filter((a) => a.subject === 'news-narrowing'),
      (list) => list.length === rows.length,
      { what: 'the alerts on chorus.drift-alerts.v1', timeoutMs: 20_000 },
    );
    expect(kafka.map((a) => a.metric).sort()).toEqual(rows.map((r) => r.metric).sort());
    expect(new Set(kafka.map((a) => a.alertId)).size).toBe(kafka.length);
    const entropy = kafka.find((a) => a.metric === 'exposure-entropy')!;
    expect(entropy).toMatchObject({ scope: 'user', domain: 'news', subject: 'news-narrowing', configVersion: 0, rerankRequested: true });
    // Detected during the narrowing (rounds 40–80 → 08:40–09:20), from a window that started when the user was gated.
    expect(Date.parse(entropy.window.end)).toBeGreaterThan(start + 40 * 60_000);
    expect(Date.parse(entropy.window.end)).toBeLessThan(start + 100 * 60_000);
  });

  it('asks the reranker (BullMQ queue "rerank") for a calibrated list for each harmful diversity alert', async () => {
    const rows = await pollUntil(
      () => db.query(`SELECT alert_id, rerank_job_ids FROM drift_alerts WHERE subject = 'news-narrowing' AND rerank_requested`),
      (r: { alert_id: string; rerank_job_ids: string[] | null }[]) => r.length > 0 && r.every((row) => (row.rerank_job_ids ?? []).length === 1),
      { what: 'rerank jobs recorded on the alerts', timeoutMs: 20_000 },
    );
    for (const row of rows) {
      const job = await queue.getJob(row.rerank_job_ids![0]!);
      expect(job?.name).toBe('rerank-user');
      expect(job?.data).toMatchObject({ scope: 'user', domain: 'news', userIds: ['news-narrowing'], reason: { kind: 'alert' } });
      // Job ids are per user and model version, so two alerts of one user may share a job: its reason names one of them.
      expect(rows.map((r: { alert_id: string }) => r.alert_id)).toContain(job?.data.reason.alertId);
    }
  });

  it('raises nothing for the control user served and clicking across categories', async () => {
    expect(await alertRows('news-control')).toEqual([]);
    expect(published.filter((a) => a.subject === 'news-control')).toEqual([]);
    const entropy = await db.query(
      `SELECT min(value) AS lowest FROM drift_user_series WHERE user_id = 'news-control' AND metric = 'exposure-entropy' AND bucket_start >= $1`,
      [new Date(start + 60 * 60_000).toISOString()],
    );
    expect(entropy[0].lowest).toBeGreaterThan(0.9);
  });

  it('raises nothing for the code user who narrows the same way, but counts the change as expected', async () => {
    expect(await alertRows('code-narrowing')).toEqual([]);
    const series = await db.query(
      `SELECT value FROM drift_user_series WHERE user_id = 'code-narrowing' AND metric = 'exposure-entropy' ORDER BY bucket_start DESC LIMIT 1`,
    );
    expect(series[0].value).toBeLessThan(0.3);
    const exposition = await drift.registry.metrics();
    expect(counterValue(exposition, 'drift_watch_detections_total', { scope: 'user', domain: 'code', metric: 'exposure-entropy', outcome: 'expected' })).toBeGreaterThan(0);
    expect(counterValue(exposition, 'drift_watch_detections_total', { scope: 'user', domain: 'code', outcome: 'alert' })).toBe(0);
  });

  it('dead-letters invalid and unprocessable messages with the reason and keeps consuming', async () => {
    const producer = stack.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: stack.topic('exposures'),
      messages: [
        { key: 'news-control', value: '{"listId": "x"' },
        {
          key: 'news-control',
          value: JSON.stringify({ listId: 'l-unknown', userId: 'news-control', domain: 'news', policy: 'accuracy', servedAt: '2026-03-02T12:00:00Z', items: [{ itemId: 'no-such-item', rank: 0, score: 1 }] }),
        },
      ],
    });
    await producer.disconnect();
    await pollUntil(async () => letters.length, (n) => n >= 2, { what: 'two dead letters' });
    expect(letters.map((l) => l.code).sort()).toEqual(['DRIFT.INVALID_EXPOSURE', 'DRIFT.UNKNOWN_ITEM']);
    expect(letters.find((l) => l.code === 'DRIFT.INVALID_EXPOSURE')!.issues![0]!.message).toContain('not valid JSON');
    expect(letters.find((l) => l.code === 'DRIFT.UNKNOWN_ITEM')!.reason).toContain('PUT /v1/items/no-such-item');
    await pollUntil(() => driftCommitted(db, groupId), (n) => n === total + 2, { what: 'the dead-lettered offsets to be committed' });
    expect(drift.fatal).toEqual([]);
  });
});
