import { expiredRowsPolicy, type RetentionPolicy } from '@chorus/platform';
import type { DataSource } from 'typeorm';

/**
 * What the gateway's retention deletes, by write time: operator rerank requests made more than `days` ago, once
 * enqueued and once their jobs were last added longer ago than Redis keeps finished jobs (`keepCompletedSeconds`):
 * the reconciler checks only requests within that horizon, so deleting older ones changes nothing it does. A pending
 * request is never deleted: it is still owed to the queue.
 */
export function gatewayRetentionPolicies(db: DataSource, config: { GATEWAY_RERANK_REQUEST_RETENTION_DAYS: number; RERANK_KEEP_COMPLETED_SECONDS: number }): RetentionPolicy[] {
  // A validated integer from the config, never input: safe to splice.
  const horizon = Math.trunc(config.RERANK_KEEP_COMPLETED_SECONDS);
  return [
    expiredRowsPolicy(
      db,
      { table: 'rerank_requests', writtenAt: 'requested_at', deletable: `t.state = 'enqueued' AND t.enqueued_at < now() - make_interval(secs => ${horizon})` },
      config.GATEWAY_RERANK_REQUEST_RETENTION_DAYS,
    ),
  ];
}
