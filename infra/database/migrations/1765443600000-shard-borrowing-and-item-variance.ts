import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cold-start borrowing (issue #16): each aggregate shard keeps its partition's donor pool (`[{ userId, eventsSeen,
 * means }]`, DonorPool), written in the same transaction as the shard's posterior and the partition's offsets, so a
 * replay builds the same pool and scores each cold user's events with the same donors. NULL while borrowing is off.
 * The per-user evidence lives in user_models.state (its `borrowing` key): no column for it.
 *
 * Learned item-intercept prior variance (issue #16 part 1): beside pooling_evidence, the partition's evidence for each
 * candidate σ²_c and the σ²_c its shard's intercepts are under (`{ grid, losses, variance }`), exactly-once in the
 * same way. NULL where LEARNER_ITEM_PRIOR_VARIANCE fixes it.
 */
export class ShardBorrowingAndItemVariance1765443600000 implements MigrationInterface {
  name = 'ShardBorrowingAndItemVariance1765443600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE aggregate_shards ADD COLUMN donor_pool jsonb, ADD COLUMN item_variance_evidence jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE aggregate_shards DROP COLUMN donor_pool, DROP COLUMN item_variance_evidence`);
  }
}
