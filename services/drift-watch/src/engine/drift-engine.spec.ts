import { describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream, type DriftMessage, type UserScenario } from '../testing/drift-stream.fixture';
import { EngineHarness } from '../testing/engine-harness';
import { deterministicUuid } from './drift-engine';
import type { AlertCandidate } from './drift-state';
import { decodeUserState } from './user-state.codec';

// Simulations under the built-in configuration (the defaults were chosen on these): one round = one served list of 10
// items and one click, one round per simulated minute, 300 rounds; drift from round 60 to 120.

const start = Date.parse('2026-01-01T00:00:00Z');
const base = { rounds: 300, startMs: start, stepMs: 60_000 };
const user = (s: Omit<UserScenario, 'rounds' | 'startMs' | 'stepMs'>) => userStream({ ...base, ...s });
const metricsOf = (alerts: AlertCandidate[], subject: string) => [...new Set(alerts.filter((a) => a.alert.subject === subject).map((a) => a.alert.metric))].sort();

describe('drift engine: users', () => {
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
  const streams: DriftMessage[][] = [];
  for (let u = 0; u < 100; u++) streams.push(user({ userId: `control-${u}`, domain: 'news', seed: 100 + u }));
  for (let u = 0; u < 5; u++) {
    streams.push(user({ userId: `narrow-${u}`, domain: 'news', seed: 7 + u, narrow: { category: 'politics', from: 60, to: 120 } }));
    streams.push(user({ userId: `feed-only-${u}`, domain: 'news', seed: 17 + u, narrow: { category: 'politics', from: 60, to: 120, feedOnly: true } }));
    streams.push(user({ userId: `camp-${u}`, domain: 'news', seed: 27 + u, camp: { side: u % 2 ? 1 : -1, from: 60, to: 120 } }));
  }
  const alerts = harness.run(interleave(streams));
  const userAlerts = alerts.filter((a) => a.alert.scope === 'user');

  it('raises no alert for 100 stable users over 300 rounds each', () => {
    expect(userAlerts.filter((a) => a.alert.subject.startsWith('control-'))).toEqual([]);
  });

  it('catches every narrowing user on both entropies, falling', () => {
    for (let u = 0; u < 5; u++) {
      expect(metricsOf(userAlerts, `narrow-${u}`)).toEqual(expect.arrayContaining(['consumption-entropy', 'exposure-entropy']));
      for (const a of userAlerts.filter((x) => x.alert.subject === `narrow-${u}` && x.alert.metric.endsWith('entropy'))) {
        expect(a.alert).toMatchObject({ direction: 'down', detector: 'PageHinkley', rerankRequested: true });
        expect(a.eventAtMs).toBeGreaterThan(start + 60 * 60_000);
      }
    }
  });

  it('catches the crowded-out minority interest: feed narrows, consumption stays broad → miscalibration, not consumption entropy', () => {
    for (let u = 0; u < 5; u++) {
      const metrics = metricsOf(userAlerts, `feed-only-${u}`);
      expect(metrics).toEqual(expect.arrayContaining(['exposure-entropy', 'miscalibration']));
      expect(metrics).not.toContain('consumption-entropy');
    }
  });

  it('catches users drifting into a stance camp on stance metrics, without rerank (reranking does not address stance)', () => {
    for (let u = 0; u < 5; u++) {
      const stance = userAlerts.filter((a) => a.alert.subject === `camp-${u}` && a.alert.metric.startsWith('stance-'));
      expect(stance.length).toBeGreaterThan(0);
      expect(stance.every((a) => a.alert.direction === 'up' && !a.alert.rerankRequested)).toBe(true);
    }
  });

  it('watches a user only from their 30th event', () => {
    for (const a of userAlerts) {
      // Two events per round: the 30th event is the click of round 14, at 14.5 minutes.
      expect(Date.parse(a.alert.window.start)).toBeGreaterThanOrEqual(start + 14.5 * 60_000);
    }
    // A user who collapses onto one category within 14 rounds (28 events) has not earned a verdict yet.
    const quick = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
    const stream = userStream({ ...base, rounds: 14, userId: 'quick', domain: 'news', seed: 5, narrow: { category: 'politics', from: 2, to: 6 } });
    expect(quick.run(stream)).toEqual([]);
    expect(quick.state.user('quick', 'news').last['exposure-entropy']).toBeLessThan(0.6);
    expect(quick.detections).toEqual([]);
  });
});

describe('drift engine: domain policy', () => {
  it('in code, the same narrowing is detected but counted as expected, not alerted', () => {
    const harness = new EngineHarness(driftCatalogue('code'), { bucketMs: 600_000 });
    const alerts = harness.run(user({ userId: 'coder', domain: 'code', seed: 7, narrow: { category: 'politics', from: 60, to: 120 } }));
    expect(alerts).toEqual([]);
    const expected = harness.detections.filter((d) => d.domain === 'code' && d.outcome === 'expected').map((d) => d.metric);
    expect(expected).toEqual(expect.arrayContaining(['consumption-entropy', 'exposure-entropy']));
  });
});

describe('drift engine: populations', () => {
  const population = (kind: 'camp' | 'mixed') => {
    const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
    const streams = Array.from({ length: 20 }, (_, u) =>
      userStream({ ...base, rounds: 200, userId: `${kind}-${u}`, domain: 'news', seed: 300 + u, ...(kind === 'camp' ? { camp: { side: u % 2 ? (1 as const) : (-1 as const), from: 40, to: 100 } } : {}) }),
    );
    return { harness, messages: interleave(streams) };
  };

  it('raises polarization and bimodality alerts when the population splits into two stance camps', () => {
    const { harness, messages } = population('camp');
    const alerts = harness.run(messages).filter((a) => a.alert.scope === 'population');
    const polarization = alerts.find((a) => a.alert.metric === 'polarization')!;
    expect(polarization.alert).toMatchObject({ subject: 'news', direction: 'up', window: { bucketSeconds: 600, shard: 0 } });
    expect(polarization.alert.value).toBeGreaterThan(polarization.alert.baseline + 0.3);
    expect(polarization.eventAtMs).toBeGreaterThan(start + 40 * 60_000);
    expect(alerts.map((a) => a.alert.metric)).toContain('bimodality');
  });

  it('raises no population alert for a population that stays mixed', () => {
    const { harness, messages } = population('mixed');
    expect(harness.run(messages).filter((a) => a.alert.scope === 'population')).toEqual([]);
    expect(harness.points.filter((p) => p.metric === 'polarization').length).toBeGreaterThan(10);
  });

  it("closes a bucket only when both topics have passed it: one topic's batch running ahead changes no stance point", () => {
    const inOrder = population('camp');
    inOrder.harness.run(inOrder.messages);
    // The same messages, but the partition's exposures all arrive before its feedback (two topics, two batches).
    const aheadFirst = population('camp');
    aheadFirst.harness.run([...aheadFirst.messages.filter((m) => m.topic === 'exposures'), ...aheadFirst.messages.filter((m) => m.topic === 'feedback')]);
    const series = (points: typeof inOrder.harness.points) =>
      points.filter((p) => p.metric === 'polarization' && p.bucketStart >= start + 30 * 60_000).map((p) => [p.bucketStart, p.value]);
    expect(series(aheadFirst.harness.points).length).toBeGreaterThan(10);
    // Stances come from feedback only; once every user is gated (by round 15 in both orders) the points are identical.
    expect(series(aheadFirst.harness.points)).toEqual(series(inOrder.harness.points));
  });
});

describe('drift engine: messages', () => {
  it('counts a retried event or list once', () => {
    const harness = new EngineHarness(driftCatalogue('news'));
    const [list, click] = user({ userId: 'u', domain: 'news', seed: 1 }).slice(0, 2) as [DriftMessage, DriftMessage];
    const source = { topic: 'feedback' as const, partition: 0, offset: '0' };
    expect(harness.engine.applyFeedback(click.value as never, source)).toBe('applied');
    expect(harness.engine.applyFeedback(click.value as never, { ...source, offset: '1' })).toBe('duplicate');
    expect(harness.engine.applyExposure(list.value as never, { ...source, topic: 'exposures' })).toBe('applied');
    expect(harness.engine.applyExposure(list.value as never, { ...source, topic: 'exposures', offset: '1' })).toBe('duplicate');
    expect(harness.state.user('u', 'news').events).toBe(2);
  });

  it('refuses items missing from the catalogue or from another domain, before changing any state', () => {
    const harness = new EngineHarness([...driftCatalogue('news'), ...driftCatalogue('movies')]);
    const event = { eventId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01', userId: 'u', domain: 'news', occurredAt: '2026-01-01T00:00:00Z', type: 'click' as const };
    const source = { topic: 'feedback' as const, partition: 0, offset: '0' };
    expect(harness.engine.applyFeedback({ ...event, itemId: 'nope' }, source)).toMatchObject({ code: 'DRIFT.UNKNOWN_ITEM' });
    expect(harness.engine.applyFeedback({ ...event, itemId: 'movies-tech-1' }, source)).toMatchObject({ code: 'DRIFT.DOMAIN_MISMATCH' });
    expect(harness.state.hasUser('u', 'news')).toBe(false);
  });

  it('derives alert ids from the detection, so a replay of the same message yields the same id', () => {
    const id = deterministicUuid('user|u|news|exposure-entropy|exposures:0:41');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid('user|u|news|exposure-entropy|exposures:0:41')).toBe(id);
    expect(deterministicUuid('user|u|news|exposure-entropy|exposures:0:42')).not.toBe(id);
  });

  it('restored from its stored state mid-stream, raises exactly the alerts of an uninterrupted run', () => {
    const messages = interleave([
      user({ userId: 'a', domain: 'news', seed: 7, narrow: { category: 'politics', from: 60, to: 120 } }),
      user({ userId: 'b', domain: 'news', seed: 8, camp: { side: 1, from: 100, to: 160 } }),
      user({ userId: 'c', domain: 'news', seed: 9 }),
    ]);
    const uninterrupted = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
    const reference = uninterrupted.run(messages);

    const first = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
    const half = Math.floor(messages.length * 0.55);
    const before = first.run(messages.slice(0, half));
    for (const u of ['a', 'b', 'c']) first.state.user(u, 'news').dirty = true;
    first.state.shard('news', 0).dirty = true;
    const stored = first.state.snapshot();
    const second = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 });
    second.state.adoptPartition(0, [], stored.shards.map((s) => ({ domain: s.domain, state: JSON.parse(s.state) })));
    for (const u of stored.users) second.state.installUser(u.userId, u.domain, decodeUserState(u.state));
    second.skipOffsets(half);
    const after = second.run(messages.slice(half));

    const strip = (list: AlertCandidate[]) => list.map(({ alert: { raisedAt: _raised, ...alert }, eventAtMs, source }) => ({ alert, eventAtMs, source }));
    expect(strip([...before, ...after])).toEqual(strip(reference));
    // b's drift happens after the cut: the restored detectors carried its history across.
    const cut = messages[half]!;
    const cutMs = Date.parse(cut.topic === 'feedback' ? cut.value.occurredAt : cut.value.servedAt);
    expect(after.some((a) => a.alert.subject === 'b' && a.eventAtMs > cutMs)).toBe(true);
  });
});
