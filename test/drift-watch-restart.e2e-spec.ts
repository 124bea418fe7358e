import type { DriftAlertV1 } from '@chorus/contracts';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream, type DriftMessage } from '../services/drift-watch/src/testing/drift-stream.fixture';
import { collectAlerts, driftCommitted, driftCommittedState, DriftWatchProcess, DRIFT_TEST_ENV, produceDriftMessages, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { expectNothingNewFor, pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

const ROUNDS = 160;
const PHASE_ONE_ROUNDS = 85;

/**
 * A drift-watch process SIGKILLed mid-stream and restarted ends in the same committed state — metric and detector
 * state, series, alerts — as one that ran uninterrupted over the same events, does not re-raise the alert it had raised
 * before the crash, and raises the alert that spans the crash exactly as the uninterrupted run does (same value,
 * baseline and window: the detector kept its state).
 *
 * Both topics: drift-watch merges a partition's feedback and exposures in event-time order, so both runs apply the same
 * events in the same order whatever the batches. 6 news users × 160 rounds (a served list + a click): `early` narrows
 * in rounds 20–50 (alert before the crash), `late` in rounds 100–140 (alert after), 4 controls. The crashed process
 * commits by count only (every 60 messages), so it dies with applied-but-uncommitted events (and, possibly, messages
 * waiting in the merge: uncommitted too).
 */
describe('drift-watch crash recovery', () => {
  const stack = new TestStack(3);
  let reference: Awaited<ReturnType<typeof startDriftWatch>>;
  let crashed: DriftWatchProcess | undefined;
  let refDb: DataSource;
  let crashDb: DataSource;
  let alertsConsumer: Consumer;
  const published: DriftAlertV1[] = [];
  const start = Date.parse('2026-03-04T09:00:00Z');
  const crashGroup = `drift-crash-${stack.id}`;
  const refGroup = `drift-ref-${stack.id}`;
  let phaseOne: DriftMessage[] = [];
  let phaseTwo: DriftMessage[] = [];
  let crashEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await stack.start();
    const ref = await stack.database('ref');
    const crash = await stack.database('crash');
    refDb = ref.db;
    crashDb = crash.db;
    for (const db of [refDb, crashDb]) await seedCatalogue(db, driftCatalogue('news'));
    // A merge that waits long for the other topic: on a loaded machine a fetch can lag the default 2 s, and a run that
    // stops waiting applies events in another order than the other run (seen as differing user states).
    const common = { ...DRIFT_TEST_ENV, DRIFT_RERANK_ENABLED: 'false', DRIFT_MERGE_IDLE_MS: '6000' };
    reference = await startDriftWatch(serviceEnv(stack, ref.url, { ...common, DRIFT_GROUP_ID: refGroup }));
    crashEnv = serviceEnv(stack, crash.url, { ...common, DRIFT_GROUP_ID: crashGroup, DRIFT_FLUSH_EVENTS: '60', DRIFT_FLUSH_INTERVAL_MS: '600000' });
    alertsConsumer = await collectAlerts(stack.kafka, stack, published);

    const user = (userId: string, seed: number, narrow?: { from: number; to: number }) =>
      userStream({ userId, domain: 'news', rounds: ROUNDS, seed, startMs: start, stepMs: 60_000, ...(narrow ? { narrow: { category: 'science' as const, ...narrow } } : {}) });
    const messages = interleave([
      user('early', 1, { from: 20, to: 50 }),
      user('late', 2, { from: 100, to: 140 }),
      ...[3, 4, 5, 6].map((seed) => user(`control-${seed}`, seed)),
    ]);
    const cut = start + PHASE_ONE_ROUNDS * 60_000;
    phaseOne = messages.filter((m) => Date.parse(m.topic === 'feedback' ? m.value.occurredAt : m.value.servedAt) < cut);
    phaseTwo = messages.slice(phaseOne.length);
  });

  afterAll(async () => {
    await crashed?.kill();
    await alertsConsumer?.disconnect();
    await reference?.app.close();
    await stack.stop();
  });

  it('SIGKILLed mid-stream and restarted, ends where an uninterrupted run ends and re-raises nothing', async () => {
    const total = phaseOne.length + phaseTwo.length;
    crashed = new DriftWatchProcess(crashEnv);
    await crashed.start();
    await produceDriftMessages(stack, phaseOne);

    // Before the crash: `early` has narrowed, and its alert is committed and published.
    const early: { alert_id: string; metric: string; occurrences: number }[] = await pollUntil(
      () => crashDb.query(`SELECT alert_id, metric, occurrences FROM drift_alerts WHERE subject = 'early' AND published_at IS NOT NULL`),
      // Wait for the consumption alert itself: `early` may publish another metric's alert a moment before it.
      (rows: { metric: string }[]) => rows.some((r) => r.metric === 'consumption-entropy'),
      { what: "early's consumption alert to be committed and published by the process that will crash", timeoutMs: 30_000 },
    );
    expect(early.map((r) => r.metric)).toContain('consumption-entropy');
    const lateBefore = await crashDb.query(`SELECT count(*)::int AS n FROM drift_alerts WHERE subject = 'late'`);
    expect(lateBefore[0].n).toBe(0);

    // Freeze the process at a moment when it has applied events it has not committed, then kill it.
    const consumed = async () => {
      const text = await crashed!.metrics();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith('drift_watch_next_offset{')) sum += Number(line.split(' ').pop());
      return sum;
    };
    const producing = (async () => {
      for (let i = 0; i < phaseTwo.length; i += 30) {
        await produceDriftMessages(stack, phaseTwo.slice(i, i + 30));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    let consumedAtKill = 0;
    let committedAtKill = 0;
    await pollUntil(
      async () => {
        const applied = await consumed();
        if (applied <= phaseOne.length) return false;
        process.kill(crashed!.pid!, 'SIGSTOP');
        await new Promise((r) => setTimeout(r, 200));
        const inStore = await driftCommitted(crashDb, crashGroup);
        if (applied > inStore && inStore >= phaseOne.length - 120) {
          consumedAtKill = applied;
          committedAtKill = inStore;
          return true;
        }
        process.kill(crashed!.pid!, 'SIGCONT');
        return false;
      },
      (done) => done,
      { what: 'a moment with applied-but-uncommitted events in phase two', timeoutMs: 40_000, intervalMs: 5 },
    );
    await crashed.kill('SIGKILL');
    await producing;
    expect(consumedAtKill).toBeGreaterThan(committedAtKill);
    expect(committedAtKill).toBeLessThan(total);

    crashed = new DriftWatchProcess({ ...crashEnv, DRIFT_FLUSH_INTERVAL_MS: '100' });
    await crashed.start();
    await pollUntil(() => driftCommitted(crashDb, crashGroup), (n) => n === total, { what: 'the restarted process to commit every offset', timeoutMs: 40_000, intervalMs: 200 });
    await pollUntil(() => driftCommitted(refDb, refGroup), (n) => n === total, { what: 'the reference to commit every offset', timeoutMs: 40_000, intervalMs: 200 });
    expect(reference.fatal).toEqual([]);

    const [afterCrash, uninterrupted] = await Promise.all([driftCommittedState(crashDb), driftCommittedState(refDb)]);
    expect(uninterrupted.users).toHaveLength(6);
    expect(uninterrupted.populationSeries.length).toBeGreaterThan(0);
    expect(afterCrash.users).toEqual(uninterrupted.users);
    expect(afterCrash.shards).toEqual(uninterrupted.shards);
    expect(afterCrash.userSeries).toEqual(uninterrupted.userSeries);
    expect(afterCrash.populationSeries).toEqual(uninterrupted.populationSeries);
    expect(afterCrash.alerts).toEqual(uninterrupted.alerts);

    // The alert that spans the crash: raised after the restart, identical to the uninterrupted run's.
    const late = afterCrash.alerts.filter((a: { subject: string }) => a.subject === 'late');
    expect(late.map((a: { metric: string }) => a.metric)).toContain('consumption-entropy');
    // The alert raised before the crash is still one alert, not raised again under another id.
    expect(afterCrash.alerts.filter((a: { subject: string; metric: string }) => a.subject === 'early' && a.metric === 'consumption-entropy')).toHaveLength(1);
    expect(afterCrash.alerts.filter((a: { subject: string }) => a.subject.startsWith('control'))).toEqual([]);

    // On Kafka: both runs publish each alert once (same deterministic ids), and nothing else.
    const ids = afterCrash.alerts.map((a: { alert_id: string }) => a.alert_id).sort();
    await pollUntil(
      async () => published.map((a) => a.alertId),
      (list) => list.length >= 2 * ids.length,
      { what: 'both runs to publish their alerts', timeoutMs: 20_000 },
    );
    // A third copy would come from a redelivery after the restart: watch the topic for three seconds, failing on arrival.
    const kafka = await expectNothingNewFor(3_000, () => published.map((a) => a.alertId), { what: 'the alerts published on Kafka' });
    const counts = new Map<string, number>();
    for (const id of kafka) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(ids);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
  });
});
