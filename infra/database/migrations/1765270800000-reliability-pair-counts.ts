import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Label reliability (issue #15): the learner's per-partition counts of pairwise judgments per pair, which a judgment's
 * leave-one-out majority is taken from. One row per (domain, partition, pair) rather than one document per shard, so a
 * commit writes only the pairs its events touched; written in the same transaction as the shards, users and offsets,
 * so it is exactly-once like them. `a` counts judgments for item_a (the smaller id in JavaScript's code-unit order,
 * which a collated text comparison need not agree with: no CHECK on it), ties as ½: hence a double.
 * A user's own reliability state lives in user_models.state under the key "reliability".
 */
export class ReliabilityPairCounts1765270800000 implements MigrationInterface {
  name = 'ReliabilityPairCounts1765270800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE reliability_pair_counts (
        domain text NOT NULL,
        shard int NOT NULL,
        item_a text NOT NULL,
        item_b text NOT NULL,
        n bigint NOT NULL CHECK (n > 0),
        a double precision NOT NULL CHECK (a >= 0 AND a <= n),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (domain, shard, item_a, item_b)
      )`);
    // The reliability read sums a user's pairs over every shard of the domain.
    await db.query(`CREATE INDEX reliability_pair_counts_pair ON reliability_pair_counts (domain, item_a, item_b)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE reliability_pair_counts`);
  }
}
