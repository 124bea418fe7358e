import { expiredRowsPolicy, type RetentionPolicy } from '@chorus/platform';
import type { DataSource } from 'typeorm';

/**
 * What the learner's retention deletes, by write time (not event time: a replay of old events must not be deleted on
 * arrival): the prequential AUC histograms the console reads, and the logged score-before-learn predictions. Nothing
 * else reads either table's old rows, and neither is state the models depend on.
 */
export function learnerRetentionPolicies(
  db: DataSource,
  days: { LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS: number; LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS: number },
): RetentionPolicy[] {
  return [
    expiredRowsPolicy(db, { table: 'learner_prequential_auc', writtenAt: 'written_at' }, days.LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS),
    expiredRowsPolicy(db, { table: 'prequential_predictions', writtenAt: 'written_at' }, days.LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS),
  ];
}
