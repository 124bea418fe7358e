import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Learned pooling strength (issue #16): each aggregate shard keeps the prequential evidence of every candidate τ² from
 * its partition's events (`{ grid, losses }`, PoolingStrengthGridJSON), written in the same transaction as the shard's
 * posterior and the partition's offsets, so it is exactly-once like them. NULL where τ² is fixed by configuration.
 * Readers sum the shards' losses (log-likelihoods of disjoint users add) and take the MAP τ².
 */
export class PoolingEvidence1765184400000 implements MigrationInterface {
  name = 'PoolingEvidence1765184400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE aggregate_shards ADD COLUMN pooling_evidence jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE aggregate_shards DROP COLUMN pooling_evidence`);
  }
}
