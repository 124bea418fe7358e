import { describe, expect, it } from 'vitest';
import { EngineHarness } from '../testing/engine-harness';
import { coinFlipJudgments, judgmentMessages, plantedCatalogue, spread, stationaryJudgments } from '../testing/planted-judgments.fixture';
import { decodeUserState } from './user-state.codec';

// The population signal `non-attitude-share` on planted annotators (libs/simulation): a stationary stream of mostly
// genuine annotators, and the same stream with a burst of coin-flip annotators (a bot, or a surface whose buttons stopped
// meaning anything) from bucket 30 on. One bucket = 10 minutes = 100 judgments of the stationary stream.

const START = Date.parse('2026-03-01T00:00:00Z');
const BUCKET_MS = 600_000;
const PER_BUCKET = 100;
const catalogue = plantedCatalogue('movies');

function run(stream: ReturnType<typeof judgmentMessages>) {
  const harness = new EngineHarness(catalogue, { bucketMs: BUCKET_MS });
  const alerts = harness.run(stream).filter((a) => a.alert.metric === 'non-attitude-share');
  const points = harness.points.filter((p) => p.metric === 'non-attitude-share').map((p) => p.value);
  return { harness, alerts, points };
}

const BURST_FROM = START + 30 * BUCKET_MS;
const quiet = judgmentMessages(spread(stationaryJudgments(), START, BUCKET_MS, PER_BUCKET), 'movies');
const burst = judgmentMessages([...spread(stationaryJudgments(), START, BUCKET_MS, PER_BUCKET), ...spread(coinFlipJudgments(), BURST_FROM, BUCKET_MS, PER_BUCKET)], 'movies');

describe('non-attitude share (population signal, planted annotators)', () => {
  it('raises no alert on a stationary planted stream', () => {
    const { alerts, points } = run(quiet);
    expect(points.length).toBeGreaterThanOrEqual(40);
    expect(alerts).toEqual([]);
  });

  it('alerts, rising, on a burst of coin-flip annotators, and only after the burst began', { timeout: 30_000 }, () => {
    const { alerts, points } = run(burst);
    // The signal itself: ten buckets into the burst the share stands well above the stationary stream's (≈ 0.16).
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(points.slice(40, 47))).toBeGreaterThan(mean(run(quiet).points.slice(40, 47)) + 0.1);
    expect(alerts.length).toBeGreaterThan(0);
    for (const { alert, eventAtMs } of alerts) {
      expect(alert).toMatchObject({ scope: 'population', subject: 'movies', domain: 'movies', direction: 'up', detector: 'PageHinkley' });
      expect(eventAtMs).toBeGreaterThan(BURST_FROM);
    }
  });

  it('restored from its stored state mid-burst, gives exactly the points, alerts and reliability state of an uninterrupted run', () => {
    const reference = run(burst);
    // Cut after the burst began and before its first alert, so the alert depends on the restored state.
    const firstAlert = Math.min(...reference.alerts.map((a) => a.eventAtMs));
    const half = burst.findIndex((m) => m.topic === 'feedback' && Date.parse(m.value.occurredAt) >= (BURST_FROM + firstAlert) / 2);
    expect(half).toBeGreaterThan(0);

    const first = new EngineHarness(catalogue, { bucketMs: BUCKET_MS });
    const before = first.run(burst.slice(0, half));
    const users = new Set(burst.slice(0, half).map((m) => (m.topic === 'feedback' ? m.value.userId : '')));
    for (const u of users) first.state.user(u, 'movies').dirty = true;
    first.state.shard('movies', 0).dirty = true;
    const stored = first.state.snapshot();
    const second = new EngineHarness(catalogue, { bucketMs: BUCKET_MS });
    second.state.adoptPartition(0, [], stored.shards.map((s) => ({ domain: s.domain, state: JSON.parse(s.state) })));
    for (const u of stored.users) second.state.installUser(u.userId, u.domain, decodeUserState(u.state));
    second.skipOffsets(half);
    const after = second.run(burst.slice(half));

    const ours = (list: typeof before) => list.filter((a) => a.alert.metric === 'non-attitude-share').map(({ alert: { raisedAt: _raised, ...alert }, eventAtMs, source }) => ({ alert, eventAtMs, source }));
    expect(after.filter((a) => a.alert.metric === 'non-attitude-share').length).toBeGreaterThan(0);
    expect([...ours(before), ...ours(after)]).toEqual(ours(reference.alerts));
    const points = (h: EngineHarness) => h.points.filter((p) => p.metric === 'non-attitude-share');
    expect([...points(first), ...points(second)]).toEqual(points(reference.harness));
    expect(second.state.shard('movies', 0).toJSON().nonAttitude).toEqual(reference.harness.state.shard('movies', 0).toJSON().nonAttitude);
  }, 30_000);

  it('counts a retried judgment (same eventId) once', () => {
    const once = run(quiet);
    const retried = run(quiet.flatMap((m, k) => (k % 10 === 0 ? [m, m] : [m])));
    expect(retried.points).toEqual(once.points);
    expect(retried.harness.state.shard('movies', 0).toJSON().nonAttitude).toEqual(once.harness.state.shard('movies', 0).toJSON().nonAttitude);
  }, 30_000);
});
