import { mulberry32 } from '@chorus/random';
import { itemFeatures, PersonaMixture } from '@chorus/reward';
import { decodeUserModelState, ModelPriors, RewardModelsRepository, userModelState, type UserModelState } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { UserModelStateBinary1765702800000 } from '../../../../infra/database/migrations/1765702800000-user-model-state-binary';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { decodeDedupeWindow } from './dedupe-window.codec';
import { LearnerStateRepository } from './learner-state.repository';

/** Migration UserModelStateBinary on real Postgres: JSON rows (version 1) become version-2 bytes and back. */

const pg = useMigratedDatabase('user_model_state_binary');

/** Real learned states as the learner wrote them in JSON: one and three personas, with borrowing, reliability and per-condition deviations. */
function jsonStates(): UserModelState[] {
  const states: UserModelState[] = [];
  for (const maxPersonas of [1, 3]) {
    const priors = new ModelPriors({ LEARNER_TAU2: 4, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: maxPersonas });
    const user = new PersonaMixture(priors.personas('movies'));
    const random = mulberry32(maxPersonas);
    const items = ['horror', 'romance', 'café'].map((genre) => itemFeatures({ categories: { [genre]: 1 } }));
    for (let i = 0; i < 300; i++) {
      const k = Math.floor(random() * 3);
      user.update(items[k]!, random() < (k === 0 ? 0.8 : 0.3) ? 1 : 0);
    }
    const borrowing = { donor: { userId: 'donor-1', means: { 'cat:horror': 0.25 } }, evidence: { n: 3, mean: 0.01, m2: 0.002 } };
    const reliability = {
      counts: [2, 1, 1, 1, 0, 1.5],
      logLikelihood: [-0.2, -1.4, -0.9],
      signals: { 'm-1\u0001m-2': [[['short\u0001\u0001', 2, 2, 1, 1, 0, 0]], [-0.2, -1.4, -0.9]] },
      items: { counts: [3, 2.5], logLikelihood: [-1, -2, -3], signals: { 'm-1': [['', 2, 1]] } },
    } as const;
    const conditions = { priorVariance: 1, conditions: { short: { 'cat:horror': [-0.5, 0.75] } }, split: [4, 3.25] } as const;
    states.push(
      JSON.parse(JSON.stringify(userModelState(user, 4))),
      JSON.parse(JSON.stringify({ ...userModelState(user, 4, borrowing), reliability })),
      JSON.parse(JSON.stringify({ ...userModelState(user, 4), conditions })),
    );
  }
  return states;
}

const readRows = async (): Promise<{ user_id: string; state: unknown; recent: Buffer | null; events_seen: number }[]> =>
  pg.db.query(`SELECT user_id, state, recent_event_keys AS recent, events_seen FROM user_models WHERE domain = 'movies' ORDER BY user_id`);

describe('migration UserModelStateBinary', () => {
  it('converts every row (more than one batch) to bytes that every reader decodes, and back to the same JSON', async () => {
    const migration = new UserModelStateBinary1765702800000();
    const runner = pg.db.createQueryRunner();
    try {
      await migration.down(runner);
      const states = jsonStates();
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
