import { describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream, type DriftMessage } from '../testing/drift-stream.fixture';
import { EngineHarness } from '../testing/engine-harness';
import type { SegmentDefinition } from './drift-segments';
import type { AlertCandidate } from './drift-state';
import { decodeUserState } from './user-state.codec';

// Segment drift under the built-in configuration: 60 stable users and 6 whose feeds and clicks narrow onto one
// category from round 60 to 120 (one round = one served list of 10 items and one click per simulated minute, 240
// rounds), 10-minute buckets, DRIFT_SEGMENT_MIN_USERS = 5. The six are a minority the population mean dilutes 11-fold.

const start = Date.parse('2026-01-01T00:00:00Z');
const base = { rounds: 240, startMs: start, stepMs: 60_000 };
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, u) => `${prefix}-${u}`);

function scenario(domain: string): DriftMessage[] {
  const streams: DriftMessage[][] = [];
  for (let u = 0; u < 60; u++) streams.push(userStream({ ...base, userId: `control-${u}`, domain, seed: 500 + u }));
  for (let u = 0; u < 6; u++) streams.push(userStream({ ...base, userId: `narrow-${u}`, domain, seed: 900 + u, narrow: { category: 'science', from: 60, to: 120 } }));
  return interleave(streams);
}

const segments = (domain: string): SegmentDefinition[] => [
  { domain, name: 'narrowing-cohort', changeId: 1, userIds: ids('narrow', 6) },
  { domain, name: 'steady-cohort', changeId: 2, userIds: ids('control', 8) },
  // Below DRIFT_SEGMENT_MIN_USERS: three of the narrowing users.
  { domain, name: 'tiny-cohort', changeId: 3, userIds: ids('narrow', 3) },
];

const of = (alerts: AlertCandidate[], scope: string, subject?: string) => alerts.filter((a) => a.alert.scope === scope && (subject === undefined || a.alert.subject === subject));
const strip = (list: AlertCandidate[]) => list.map(({ alert: { raisedAt: _raised, ...alert }, eventAtMs, source }) => ({ alert, eventAtMs, source }));

// Each case replays whole scenarios through the engine (3–5 s on this machine): a timeout says nothing about correctness.
describe('drift engine: segments', { timeout: 60_000 }, () => {
  const messages = scenario('news');
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 }, [], segments('news'));
  const alerts = harness.run(messages);

  it('raises segment alerts for the cohort whose members narrow, on both mean entropies, falling, with rerank', () => {
    const cohort = of(alerts, 'segment', 'narrowing-cohort');
    expect([...new Set(cohort.map((a) => a.alert.metric))].sort()).toEqual(['mean-consumption-entropy', 'mean-exposure-entropy']);
    for (const { alert, eventAtMs } of cohort) {
      expect(alert).toMatchObject({ domain: 'news', direction: 'down', detector: 'PageHinkley', rerankRequested: true, window: { bucketSeconds: 600, shard: 0 } });
      expect(alert.value).toBeLessThan(alert.baseline - 0.2);
      expect(eventAtMs).toBeGreaterThan(start + 60 * 60_000);
    }
  });

  it('sees the cohort before the population mean does, and where the population mean of consumption never alerts', () => {
    const first = Math.min(...of(alerts, 'segment', 'narrowing-cohort').map((a) => a.eventAtMs));
    const population = of(alerts, 'population').filter((a) => a.alert.metric.startsWith('mean-'));
    // The population mean does catch the exposure narrowing, late: the loop below compares against a real alert.
    expect(population.map((a) => a.alert.metric)).toEqual(['mean-exposure-entropy']);
    for (const a of population) expect(a.eventAtMs).toBeGreaterThan(first + 30 * 60_000);
  });

  it('raises nothing for a control segment of stable users, though it is watched (one point per bucket and mean)', () => {
    expect(of(alerts, 'segment', 'steady-cohort')).toEqual([]);
    const points = harness.segmentPoints.filter((p) => p.segment === 'steady-cohort' && p.metric === 'mean-consumption-entropy');
    expect(points.length).toBeGreaterThan(15);
    expect(points.every((p) => p.users === 8 && p.value > 0.8)).toBe(true);
    expect(harness.detections.filter((d) => d.scope === 'segment' && d.outcome === 'alert').length).toBe(of(alerts, 'segment').length);
  });

  it('emits no point and no alert for a segment with fewer active members than DRIFT_SEGMENT_MIN_USERS', () => {
    expect(harness.segmentPoints.filter((p) => p.segment === 'tiny-cohort')).toEqual([]);
    expect(of(alerts, 'segment', 'tiny-cohort')).toEqual([]);
    // With the minimum at 3, the same three members are a segment.
    const lenient = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000, segmentMinUsers: 3 }, [], segments('news'));
    const lenientAlerts = lenient.run(messages);
    expect(lenient.segmentPoints.some((p) => p.segment === 'tiny-cohort' && p.users === 3)).toBe(true);
    expect(of(lenientAlerts, 'segment', 'tiny-cohort').length).toBeGreaterThan(0);
  });

  it('a segment of every user reads exactly the population mean in every bucket (same sums, oracle)', () => {
    // The segment and the population add up a user's latest value per bucket the same way (SignalMeans): a segment of
    // every user therefore reads exactly the population's mean.
    const everyone: SegmentDefinition = { domain: 'news', name: 'everyone', changeId: 9, userIds: [...ids('control', 60), ...ids('narrow', 6)] };
    const all = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 }, [], [everyone]);
    all.run(messages);
    const population = all.points.filter((p) => p.metric === 'mean-exposure-entropy').map((p) => [p.bucketStart, p.value]);
    const segment = all.segmentPoints.filter((p) => p.metric === 'mean-exposure-entropy').map((p) => [p.bucketStart, p.value]);
    expect(segment.length).toBe(population.length);
    for (let i = 0; i < segment.length; i++) {
      expect(segment[i]![0]).toBe(population[i]![0]);
      expect(segment[i]![1]).toBeCloseTo(population[i]![1]!, 12);
    }
  });

  it('in code, the same narrowing cohort is detected as expected, not alerted (domain policy)', () => {
    const code = new EngineHarness(driftCatalogue('code'), { bucketMs: 600_000 }, [], segments('code'));
    const codeAlerts = code.run(scenario('code'));
    expect(of(codeAlerts, 'segment')).toEqual([]);
    const expected = code.detections.filter((d) => d.scope === 'segment' && d.outcome === 'expected').map((d) => d.metric);
    expect(expected).toEqual(expect.arrayContaining(['mean-consumption-entropy', 'mean-exposure-entropy']));
  });

  it('restored from its stored state mid-stream, raises exactly the segment alerts of an uninterrupted run', () => {
    // Cut at round ~96: the cohort has started narrowing, its watches hold a baseline, its alerts are still to come.
    const half = Math.floor(messages.length * 0.4);
    const first = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 }, [], segments('news'));
    const before = first.run(messages.slice(0, half));
    first.state.shard('news', 0).dirty = true;
    for (const userId of [...ids('control', 60), ...ids('narrow', 6)]) first.state.user(userId, 'news').dirty = true;
    const stored = first.state.snapshot();
    const shardState = JSON.parse(stored.shards[0]!.state);
    expect(Object.keys(shardState.segments).sort()).toEqual(['narrowing-cohort', 'steady-cohort']);
    expect(shardState.buckets.some((b: { segments?: object }) => b.segments !== undefined)).toBe(true);

    const second = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 }, [], segments('news'));
    second.state.adoptPartition(0, [], stored.shards.map((s) => ({ domain: s.domain, state: JSON.parse(s.state) })));
    for (const u of stored.users) second.state.installUser(u.userId, u.domain, decodeUserState(u.state));
    second.skipOffsets(half);
    const after = second.run(messages.slice(half));

    expect(of(before, 'segment')).toEqual([]);
    expect(of(after, 'segment', 'narrowing-cohort').length).toBeGreaterThan(0);
    expect(strip([...before, ...after])).toEqual(strip(alerts));
    expect([...first.segmentPoints, ...second.segmentPoints]).toEqual(harness.segmentPoints);
  });

  it('starts a redefined segment’s detectors over, and forgets a deleted segment', () => {
    const half = Math.floor(messages.length * 0.4);
    const h = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 }, [], segments('news'));
    h.run(messages.slice(0, half));
    // Redefined (new change id) with the same members: a new cohort definition, watched from scratch — so the narrowing
    // already under way is its baseline and the later alert compares against a lower level than the original run's.
    h.segments.install([{ ...segments('news')[0]!, changeId: 7 }], 'redefined');
    const later = h.run(messages.slice(half));
    const redefined = of(later, 'segment', 'narrowing-cohort');
    const original = of(alerts, 'segment', 'narrowing-cohort');
    expect(redefined.length).toBeGreaterThan(0);
    expect(Math.min(...redefined.map((a) => a.alert.baseline))).toBeLessThan(Math.min(...original.map((a) => a.alert.baseline)));
    // steady-cohort and tiny-cohort are no longer defined: no points after the change, and no stored watches.
    const next = messages[half]!;
    const cut = Date.parse(next.topic === 'exposures' ? next.value.servedAt : next.value.occurredAt);
    expect(h.segmentPoints.filter((p) => p.segment === 'steady-cohort' && p.bucketStart > cut)).toEqual([]);
    h.state.shard('news', 0).dirty = true;
    expect(Object.keys(JSON.parse(h.state.snapshot().shards[0]!.state).segments)).toEqual(['narrowing-cohort']);
  });
});
