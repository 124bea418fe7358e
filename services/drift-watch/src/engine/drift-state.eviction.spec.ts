import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driftCatalogue, interleave, userStream, type DriftMessage, type UserScenario } from '../testing/drift-stream.fixture';
import { EngineHarness } from '../testing/engine-harness';
import type { AlertCandidate, DriftSnapshot } from './drift-state';
import { userKey } from './drift-state';
import { decodeUserState } from './user-state.codec';

/**
 * A user evicted from memory and read back ends in the same state as one never evicted. The engine runs the same
 * stream twice: once with every user resident, once under a small budget, with a Map of encoded states standing in for
 * drift_user_state (written at each snapshot, read back on a miss, as ObserveEventsUseCase.preload does). Everything
 * committed must agree: every user's stored bytes, the alerts, the series.
 */

interface Run {
  stored: Map<string, Buffer>;
  alerts: unknown[];
  userPoints: DriftSnapshot['userPoints'];
  populationPoints: DriftSnapshot['populationPoints'];
  reloads: number;
  maxResident: number;
}

function run(messages: DriftMessage[], maxResidentUsers: number, flushEvery: number): Run {
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000, minEvents: 10 }, [], [], { maxResidentUsers });
  const out: Run = { stored: new Map(), alerts: [], userPoints: [], populationPoints: [], reloads: 0, maxResident: 0 };
  const commit = () => {
    const snapshot = harness.state.snapshot();
    for (const user of snapshot.users) out.stored.set(userKey(user.userId, user.domain), user.state);
    out.alerts.push(...snapshot.alerts.map(strip));
    out.userPoints.push(...snapshot.userPoints);
    out.populationPoints.push(...snapshot.populationPoints);
    out.maxResident = Math.max(out.maxResident, harness.state.residentUsers);
  };
  messages.forEach((message, offset) => {
    const { userId, domain } = message.value;
    if (!harness.state.hasUser(userId, domain)) {
      const stored = out.stored.get(userKey(userId, domain));
      if (stored) out.reloads++;
      harness.state.installUser(userId, domain, stored && decodeUserState(stored));
    }
    const source = { topic: message.topic, partition: 0, offset: String(offset) };
    const outcome = message.topic === 'feedback' ? harness.engine.applyFeedback(message.value, source) : harness.engine.applyExposure(message.value, source);
    if (outcome !== 'applied') throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
    if ((offset + 1) % flushEvery === 0) commit();
  });
  commit();
  return out;
}

const strip = ({ alert: { raisedAt: _raisedAt, ...alert }, eventAtMs, source }: AlertCandidate) => ({ alert, eventAtMs, source });

function population(users: number, rounds: number, seed: number): DriftMessage[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const streams = [];
  for (let u = 0; u < users; u++) {
    const base: UserScenario = { userId: `user-${u}`, domain: 'news', rounds, seed: seed + u, startMs: start + u * 7_000, stepMs: 60_000 };
    // A third of the users narrow and a third drift into a stance camp: their detectors fire mid-stream.
    if (u % 3 === 0) streams.push(userStream({ ...base, narrow: { category: 'politics', from: rounds / 4, to: rounds / 2 } }));
    else if (u % 3 === 1) streams.push(userStream({ ...base, camp: { side: u % 2 === 0 ? 1 : -1, from: rounds / 4, to: rounds / 2 } }));
    else streams.push(userStream(base));
  }
  return interleave(streams);
}

describe('DriftState under a resident-user budget', () => {
  it('ends in the same committed state, alerts and series as with every user resident', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 10 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10_000 }),
        (users, budget, flushEvery, seed) => {
          const messages = population(users, 40, seed);
          const resident = run(messages, 1_000_000, flushEvery);
          const evicting = run(messages, budget, flushEvery);
          expect(evicting.alerts).toEqual(resident.alerts);
          expect(evicting.stored).toEqual(resident.stored);
          expect(evicting.userPoints).toEqual(resident.userPoints);
          expect(evicting.populationPoints).toEqual(resident.populationPoints);
          // Not vacuous: users did leave memory and come back, and the budget held them down.
          expect(resident.reloads).toBe(0);
          if (users > budget + 2 * flushEvery) {
            expect(evicting.reloads).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 8, seed: 13 },
    );
  }, 120_000);

  it('raises alerts mid-stream, and keeps residents within the budget plus the users of two commit intervals', () => {
    const messages = population(12, 60, 7);
    const evicting = run(messages, 2, 4);
    expect(evicting.alerts.length).toBeGreaterThan(0);
    expect(evicting.reloads).toBeGreaterThan(100);
    // 4 messages per commit touch at most 4 users; the snapshot just written holds its users until the next one.
    expect(evicting.maxResident).toBeLessThanOrEqual(2 + 2 * 4);
  });

  it('never evicts a user changed since the last snapshot or written in it: their state may not be in Postgres yet', () => {
    const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000 }, [], [], { maxResidentUsers: 1 });
    const messages = population(3, 2, 1);
    messages.forEach((message, offset) => {
      const source = { topic: message.topic, partition: 0, offset: String(offset) };
      if (message.topic === 'feedback') harness.engine.applyFeedback(message.value, source);
      else harness.engine.applyExposure(message.value, source);
    });
    harness.state.snapshot();
    // All three were written in that snapshot, so all stay (the commit may still be in flight).
    expect(harness.state.residentUsers).toBe(3);
    harness.state.user('user-2', 'news').dirty = true;
    harness.state.snapshot();
    // Now user-0 and user-1 are in Postgres and untouched since: evicted; user-2 was just written again.
    expect(['user-0', 'user-1', 'user-2'].filter((u) => harness.state.hasUser(u, 'news'))).toEqual(['user-2']);
  });
});
