import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { learnerRetentionPolicies } from './retention.policy';

const pg = useMigratedDatabase('learner_retention');

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('learner retention', () => {
  it('deletes prequential histograms and predictions by write time, never by event time', async () => {
    // Event time is what a replay of old events carries (here 1998); only the write time decides.
    await pg.db.query(`
      INSERT INTO learner_prequential_auc (domain, partition, bucket_start, model, positives, negatives) VALUES
        ('old-write', 0, '2026-01-01T00:00:00Z', 'aggregate', '{1}', '{0}'),
        ('replayed', 0, '1998-03-01T00:00:00Z', 'aggregate', '{1}', '{0}'),
        ('fresh', 0, '2026-12-01T00:00:00Z', 'personalized', '{1}', '{0}')`);
    await pg.db.query(`
      INSERT INTO prequential_predictions (event_id, domain, user_id, occurred_at, label, weight, p_aggregate, p_personalized) VALUES
        ('${ID(1)}', 'movies', 'old-write', '2026-11-01T00:00:00Z', 1, 1, 0.5, 0.5),
        ('${ID(2)}', 'movies', 'replayed', '1998-03-01T00:00:00Z', 1, 1, 0.5, 0.5),
        ('${ID(3)}', 'movies', 'fresh', '2026-12-01T00:00:00Z', 0, 1, 0.5, 0.5)`);
    await pg.db.query(`UPDATE learner_prequential_auc SET written_at = now() - interval '91 days' WHERE domain = 'old-write'`);
    await pg.db.query(`UPDATE prequential_predictions SET written_at = now() - interval '31 days' WHERE user_id = 'old-write'`);
    // Within its period: kept.
    await pg.db.query(`UPDATE learner_prequential_auc SET written_at = now() - interval '89 days' WHERE domain = 'fresh'`);

    const policies = learnerRetentionPolicies(pg.db, { LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS: 90, LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS: 30 });
    expect(policies.map((p) => [p.table, p.days])).toEqual([
      ['learner_prequential_auc', 90],
      ['prequential_predictions', 30],
    ]);
    const deleted = [];
    for (const policy of policies) deleted.push(await policy.deleteBatch(policy.days, 100));
    expect(deleted).toEqual([{ learner_prequential_auc: 1 }, { prequential_predictions: 1 }]);
    expect(await pg.db.query(`SELECT domain FROM learner_prequential_auc ORDER BY domain`)).toEqual([{ domain: 'fresh' }, { domain: 'replayed' }]);
    expect(await pg.db.query(`SELECT user_id FROM prequential_predictions ORDER BY user_id`)).toEqual([{ user_id: 'fresh' }, { user_id: 'replayed' }]);
  });
});
