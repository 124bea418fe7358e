import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cold-start borrowing (issue #16): each aggregate shard keeps its partition's donor pool (`[{ userId, eventsSeen,
 * means }]`, DonorPool), written in the same transaction as the shard's posterior and the partition's offsets, so a
 * replay builds the same pool and scores each cold user's events with the same donors. NULL while borrowing is off.
 * The per-user evidence lives in user_models.state (its `borrowing` key): no column for it.
 */
export class BorrowingDonors1765270800000 implements MigrationInterface {
  name = 'BorrowingDonors1765270800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE aggregate_shards ADD COLUMN donor_pool jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE aggregate_shards DROP COLUMN donor_pool`);
  }
}
