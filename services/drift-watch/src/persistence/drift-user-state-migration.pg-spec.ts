import { stableHash53 } from '@chorus/random';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DriftUserStateBinary1765530000000 } from '../../../../infra/database/migrations/1765530000000-drift-user-state-binary';
import { driftCatalogue, interleave, userStream } from '../testing/drift-stream.fixture';
import { EngineHarness } from '../testing/engine-harness';
import type { StoredUserDriftStateV1 } from '../engine/user-drift-state';
import { decodeUserState, downgradeUserState, encodeUserState, upgradeUserState } from '../engine/user-state.codec';
import { DriftStateRepository } from './drift-state.repository';

/** Migration DriftUserStateBinary on real Postgres: version-1 JSON rows become version-2 bytes and back. */

const pg = useMigratedDatabase('drift_user_state_binary');

/** Version-1 rows as drift-watch wrote them before: real engine states (20, reused), ids of the dedupe window in clear. */
function v1Rows(count: number): { userId: string; state: StoredUserDriftStateV1 }[] {
  const harness = new EngineHarness(driftCatalogue('news'), { bucketMs: 600_000, minEvents: 10 });
  const base = { domain: 'news', rounds: 40, startMs: Date.parse('2026-01-01T00:00:00Z'), stepMs: 60_000 };
  const engineUsers = Array.from({ length: 20 }, (_, u) => `engine-${u}`);
  harness.run(interleave(engineUsers.map((userId, u) => userStream({ ...base, userId, seed: u, ...(u % 2 ? { narrow: { category: 'politics' as const, from: 10, to: 20 } } : {}) }))));
  const states = engineUsers.map((userId) => downgradeUserState(harness.state.user(userId, 'news').toJSON()));
  return Array.from({ length: count }, (_, u) => ({
    userId: `user-${String(u).padStart(4, '0')}`,
    state: { ...states[u % states.length]!, recent: [`00000000-0000-4000-8000-${String(u).padStart(12, '0')}`, `list:front-${u}`] },
  }));
}

const readRows = async (): Promise<{ user_id: string; state: unknown; events_seen: number }[]> =>
  pg.db.query(`SELECT user_id, state, events_seen FROM drift_user_state WHERE domain = 'news' ORDER BY user_id`);

describe('migration DriftUserStateBinary', () => {
  it('converts every row (more than one batch) to bytes, back to JSON, and up again to the same bytes', async () => {
    const migration = new DriftUserStateBinary1765530000000();
    const runner = pg.db.createQueryRunner();
    try {
      await migration.down(runner);
      const rows = v1Rows(1_203);
      await pg.db.query(
        `INSERT INTO drift_user_state (user_id, domain, state, events_seen)
         SELECT u, 'news', s::jsonb, e FROM unnest($1::text[], $2::text[], $3::int[]) AS t(u, s, e)`,
        [rows.map((r) => r.userId), rows.map((r) => JSON.stringify(r.state)), rows.map((r) => r.state.events)],
      );

      await migration.up(runner);
      const up = await readRows();
      expect(up).toHaveLength(rows.length);
      up.forEach((row, i) => {
        expect(row.user_id).toBe(rows[i]!.userId);
        expect(row.events_seen).toBe(rows[i]!.state.events);
        expect(decodeUserState(row.state as Buffer)).toEqual(upgradeUserState(rows[i]!.state, stableHash53));
      });
      // What drift-watch reads after the migration: the repository decodes the converted rows.
      const loaded = await new DriftStateRepository(pg.db, 'g', 0).loadUsers([{ userId: rows[7]!.userId, domain: 'news' }]);
      expect(loaded.get(`${rows[7]!.userId}\u0001news`)?.recent).toEqual(rows[7]!.state.recent.map(stableHash53));

      await migration.down(runner);
      const down = await readRows();
      down.forEach((row, i) => {
        // Exact but for the window, whose ids come back as their hashes.
        expect(row.state).toEqual({ ...rows[i]!.state, recent: rows[i]!.state.recent.map((id) => `h:${stableHash53(id).toString(16)}`) });
      });

      await migration.up(runner);
      const again = await readRows();
      again.forEach((row, i) => expect(row.state).toEqual(up[i]!.state));
      expect(encodeUserState(decodeUserState(again[0]!.state as Buffer))).toEqual(again[0]!.state);
    } finally {
      await runner.release();
    }
  }, 120_000);
});
