import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { seedCatalogue } from '../../../../test/support/drift-watch';
import { DEFAULT_ENGINE_OPTIONS } from '../testing/engine-harness';
import { driftCatalogue, interleave, userStream, type DriftMessage } from '../testing/drift-stream.fixture';
import { DetectorConfigs } from '../engine/detector-configs';
import { DriftEngine } from '../engine/drift-engine';
import { DriftSegments } from '../engine/drift-segments';
import { DriftState } from '../engine/drift-state';
import { ItemCatalogue } from '../engine/item-catalogue';
import { CatalogueRepository } from '../persistence/catalogue.repository';
import { DriftStateRepository } from '../persistence/drift-state.repository';
import { UserModelRepository } from '../persistence/user-model.repository';
import { ObserveEventsUseCase } from './observe-events.usecase';

/**
 * The resident-user budget on real Postgres: the same stream through the use case and the repositories, once with
 * every user in memory and once with 3 of 16 resident — the others evicted at each commit and read back in a batch on
 * their next event. What each run committed must be the same, byte for byte.
 */

const FEEDBACK = 'chorus.feedback.v1';
const EXPOSURES = 'chorus.exposures.v1';
const everyone = useMigratedDatabase('drift_budget_all');
const budgeted = useMigratedDatabase('drift_budget_3');

async function consume(pg: typeof everyone, maxResidentUsers: number, messages: DriftMessage[]) {
  await seedCatalogue(pg.db, driftCatalogue('news'));
  const state = new DriftState({ maxResidentUsers, halfLife: 25, polarizationAlpha: 1.3, panelPool: 64 });
  const catalogue = new ItemCatalogue();
  const engine = new DriftEngine(state, catalogue, new DetectorConfigs(), new DriftSegments(), { ...DEFAULT_ENGINE_OPTIONS, minEvents: 10, bucketMs: 600_000 }, { detection: () => undefined, late: () => undefined });
  const repository = new DriftStateRepository(pg.db, 'drift-budget', 6 * 3600_000);
  const loads: number[] = [];
  const usecase = new ObserveEventsUseCase(state, engine, catalogue, { catalogue: new CatalogueRepository(pg.db), state: { loadUsers: (keys) => (loads.push(keys.length), repository.loadUsers(keys)) }, models: new UserModelRepository(pg.db) }, {
    topics: { feedback: FEEDBACK, exposures: EXPOSURES },
    consumer: 'drift-budget',
    minEvents: 10,
    modelRefreshEvents: 10,
    modelRetryMs: 1000,
    tau: () => 1,
    merge: { idleMs: 0, maxHoldMs: 6 * 3600_000 },
  });
  const stored = await repository.loadPartition(0, [FEEDBACK, EXPOSURES]);
  state.adoptPartition(0, stored.offsets, stored.shards);
  const offsets = { feedback: 0, exposures: 0 };
  // Batches of 6 messages (interleaved round-robin: 6 users), as the transport hands them over; a commit after each.
  for (let i = 0; i < messages.length; i += 6) {
    for (const topic of ['exposures', 'feedback'] as const) {
      const batch = messages.slice(i, i + 6).filter((m) => m.topic === topic).map((m) => ({ offset: String(offsets[topic]++), key: null, value: Buffer.from(JSON.stringify(m.value)) }));
      if (batch.length > 0) await usecase.apply(topic, 0, batch);
    }
    await usecase.releaseIdle(true);
    await repository.flush(state.snapshot());
  }
  return {
    loads,
    users: await pg.db.query(`SELECT user_id, domain, state, events_seen FROM drift_user_state ORDER BY user_id`),
    alerts: await pg.db.query(`SELECT alert_id, subject, metric, value, baseline, window_start, window_end, source FROM drift_alerts ORDER BY alert_id`),
    series: await pg.db.query(`SELECT user_id, metric, bucket_start, value FROM drift_user_series ORDER BY 1, 2, 3`),
    population: await pg.db.query(`SELECT metric, bucket_start, value, users, events FROM drift_population_series ORDER BY 1, 2`),
  };
}

describe('drift-watch under a resident-user budget (real Postgres)', () => {
  it('commits the same states, alerts and series when users are evicted and read back mid-stream', async () => {
    const base = { domain: 'news', rounds: 50, startMs: Date.parse('2026-01-01T00:00:00Z'), stepMs: 60_000 };
    const messages = interleave(
      Array.from({ length: 16 }, (_, u) =>
        userStream({ ...base, userId: `user-${u}`, seed: 100 + u, startMs: base.startMs + u * 5_000, ...(u % 2 === 0 ? { narrow: { category: 'politics' as const, from: 12, to: 25 } } : {}) }),
      ),
    );
    const all = await consume(everyone, 1_000_000, messages);
    const three = await consume(budgeted, 3, messages);

    expect(all.alerts.length).toBeGreaterThan(0);
    expect(three.users).toEqual(all.users);
    expect(three.alerts).toEqual(all.alerts);
    expect(three.series).toEqual(all.series);
    expect(three.population).toEqual(all.population);
    // Not vacuous: with everyone resident each user is looked for once; under the budget they come back again and again.
    expect(all.loads.reduce((s, n) => s + n, 0)).toBe(16);
    expect(three.loads.reduce((s, n) => s + n, 0)).toBeGreaterThan(200);
  }, 180_000);
});
