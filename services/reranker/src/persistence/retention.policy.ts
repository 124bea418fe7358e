import { expiredRowsPolicy, type RetentionPolicy } from '@chorus/platform';
import type { DataSource } from 'typeorm';

/**
 * What the reranker's retention deletes, by write time: calibrated lists stored more than `days` ago that are both
 * published (an unpublished list's completion event is still owed: a rerun of its job publishes it) and superseded by
 * a newer list of the same user and domain. The newest is what the gateway serves, at any age while the model has not
 * changed since it was made, so deleting it would change recommendations; a tie on created_at keeps every tied list.
 * The (user_id, domain, created_at) index answers the "is there a newer one" probe.
 */
export function rerankerRetentionPolicies(db: DataSource, days: { RERANK_LIST_RETENTION_DAYS: number }): RetentionPolicy[] {
  return [
    expiredRowsPolicy(
      db,
      {
        table: 'calibrated_lists',
        writtenAt: 'created_at',
        deletable: `t.published_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM calibrated_lists newer WHERE newer.user_id = t.user_id AND newer.domain = t.domain AND newer.created_at > t.created_at)`,
      },
      days.RERANK_LIST_RETENTION_DAYS,
    ),
  ];
}
