import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prequential AUC accumulators (issue #17, the console's overview): per domain, partition, minute of event time and
 * model (aggregate or personalized), the summed label weight of positives and negatives in each logit bin
 * (libs/reward binned-auc). The learner adds its flush's histograms in the same transaction as the partition's offsets,
 * so every event is counted exactly once; the gateway sums partitions and minutes and reads the AUC off the histogram.
 * At most 2 rows (~1 kB each) per partition and minute with events. The learner's retention sweep deletes them
 * (LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS), by the write time 1765789200000-prequential-retention adds.
 */
export class PrequentialAuc1765357200000 implements MigrationInterface {
  name = 'PrequentialAuc1765357200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE learner_prequential_auc (
        domain        text NOT NULL,
        partition     integer NOT NULL,
        bucket_start  timestamptz NOT NULL,
        model         text NOT NULL CHECK (model IN ('aggregate', 'personalized')),
        positives     double precision[] NOT NULL,
        negatives     double precision[] NOT NULL,
        PRIMARY KEY (domain, bucket_start, partition, model)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS learner_prequential_auc`);
  }
}
