import { decodeUserModelState, RewardModelsRepository } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { UserModelStateBinary1765702800000 } from '../../../../infra/database/migrations/1765702800000-user-model-state-binary';
import { learnedUserModelStates } from '../../../../test/support/learned-user-model-states';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { decodeDedupeWindow } from './dedupe-window.codec';
import { LearnerStateRepository } from './learner-state.repository';

/** Migration UserModelStateBinary on real Postgres: JSON rows (version 1) become version-2 bytes and back. */

const pg = useMigratedDatabase('user_model_state_binary');

const readRows = async (): Promise<{ user_id: string; state: unknown; recent: Buffer | null; events_seen: number }[]> =>
  pg.db.query(`SELECT user_id, state, recent_event_keys AS recent, events_seen FROM user_models WHERE domain = 'movies' ORDER BY user_id`);

describe('migration UserModelStateBinary', () => {
  it('converts every row (more than one batch) to bytes that every reader decodes, and back to the same JSON', async () => {
    const migration = new UserModelStateBinary1765702800000();
    const runner = pg.db.createQueryRunner();
    try {
      await migration.down(runner);
      const states = learnedUserModelStates();
      const rows = Array.from({ length: 2_345 }, (_, u) => ({ userId: `user-${String(u).padStart(4, '0')}`, state: states[u % states.length]! }));
      await pg.db.query(
        `INSERT INTO user_models (user_id, domain, state, events_seen)
         SELECT u, 'movies', s::jsonb, e FROM unnest($1::text[], $2::text[], $3::int[]) AS t(u, s, e)`,
        [rows.map((r) => r.userId), rows.map((r) => JSON.stringify(r.state)), rows.map((_, u) => u)],
      );
      // A row from before recent_event_keys: its window was in the JSON.
      await pg.db.query(`UPDATE user_models SET state = state || '{"recentEventIds":[11,12]}' WHERE user_id = 'user-0001'`);

      await migration.up(runner);
      const up = await readRows();
      expect(up).toHaveLength(rows.length);
      up.forEach((row, i) => {
        expect(row.user_id).toBe(rows[i]!.userId);
        expect(row.events_seen).toBe(i);
        expect(decodeUserModelState(row.state as Buffer)).toEqual(rows[i]!.state);
      });
      expect(decodeDedupeWindow(up[1]!.recent!)).toEqual([11, 12]);
      // What the learner and the gateway read after the migration.
      const loaded = await new LearnerStateRepository(pg.db, 'g', 't').loadUsers([{ userId: 'user-0001', domain: 'movies' }]);
      expect(loaded.get('user-0001\u0001movies')!.state).toEqual({ ...rows[1]!.state, recentEventIds: [11, 12] });
      expect((await new RewardModelsRepository(pg.db).user('user-0003', 'movies'))?.borrowing).toEqual(rows[3]!.state.borrowing);

      await migration.down(runner);
      const down = await readRows();
      // Exact, but for the window, which stays in its column (where the learner of before reads it too).
      down.forEach((row, i) => expect(row.state).toEqual(rows[i]!.state));
      expect(decodeDedupeWindow(down[1]!.recent!)).toEqual([11, 12]);
      await migration.up(runner);
      expect((await readRows()).map((r) => (r.state as Buffer).toString('hex'))).toEqual(up.map((r) => (r.state as Buffer).toString('hex')));
    } finally {
      await runner.release();
    }
  });
});
