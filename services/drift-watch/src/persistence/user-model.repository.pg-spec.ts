import { encodeUserModelState } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { UserModelRepository } from './user-model.repository';

const pg = useMigratedDatabase('drift_user_models');

describe('drift-watch UserModelRepository', () => {
  it('reads the posterior means of each user\'s deviation; users without a model are absent', async () => {
    await pg.db.query(
      `INSERT INTO user_models (user_id, domain, state, events_seen) VALUES ('ann', 'movies', $1, 3), ('bob', 'movies', $2, 0), ('dee', 'movies', $3, 5)`,
      [
        encodeUserModelState({ weights: { bias: [0.5, 1], 'cat:drama': [-0.25, 0.5] } }),
        encodeUserModelState({ weights: {} }),
        encodeUserModelState({ weights: { bias: [1, 1] }, tau2: 2.83 }),
      ],
    );
    const models = new UserModelRepository(pg.db);
    const found = await models.deviations([
      { userId: 'ann', domain: 'movies' },
      { userId: 'bob', domain: 'movies' },
      { userId: 'ann', domain: 'books' },
      { userId: 'cyd', domain: 'movies' },
      { userId: 'dee', domain: 'movies' },
    ]);
    expect([...found.keys()].sort()).toEqual(['ann\u0001movies', 'bob\u0001movies', 'dee\u0001movies']);
    expect([...found.get('ann\u0001movies')!.means].sort()).toEqual([-0.25, 0.5]);
    expect(found.get('bob\u0001movies')).toEqual({ means: [] });
    // A row learned under a learned τ² says which: the divergence is measured in that prior's standard deviations.
    expect(found.get('dee\u0001movies')).toEqual({ means: [1], tau2: 2.83 });
    expect(await models.deviations([])).toEqual(new Map());
  });
});
