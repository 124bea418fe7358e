import { env, loadConfig, quotaConfigShape, rerankQueueConfigShape, retentionEnv, sharedConfigShape, webhookQueueConfigShape } from '@chorus/platform';
import { reliabilityWeightConfigShape, rewardPriorConfigShape } from '@chorus/scoring';
import { z } from 'zod';

const consumerGroupId = z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"');

export const gatewayConfigSchema = z.object({
  ...sharedConfigShape,
  ...rewardPriorConfigShape,
  ...reliabilityWeightConfigShape,
  ...rerankQueueConfigShape,
  ...quotaConfigShape,
  /** The notifier's queue, shown beside the rerank queue in Bull Board (/admin/queues). */
  ...webhookQueueConfigShape,
  /**
   * Requests per API key and QUOTA_WINDOW_SECONDS on each class of route (a feedback batch is one request). High
   * enough that one client posting batches back to back (the demo) is never refused.
   */
  GATEWAY_QUOTA_INGEST: env.int(6_000, { min: 1, max: 10_000_000 }),
  GATEWAY_QUOTA_READ: env.int(6_000, { min: 1, max: 10_000_000 }),
  GATEWAY_QUOTA_ADMIN: env.int(1_200, { min: 1, max: 10_000_000 }),
  GATEWAY_PORT: env.int(3000, { min: 0, max: 65535 }),
  /** The built console (`npm run build` bundles services/gateway/console there), served at /console. Relative to the working directory. */
  GATEWAY_CONSOLE_DIR: z.string().min(1).default('dist/console'),
  /** Partitions of the keyed topics when the gateway has to create them. */
  FEEDBACK_PARTITIONS: env.int(6, { min: 1, max: 1024 }),
  /** Largest accepted request body. A full feedback batch (1000 events) is a few hundred kB. */
  GATEWAY_BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/, 'expected a size such as "5mb" or "512kb"').default('5mb'),
  /**
   * How long POST /v1/feedback waits for the broker's acknowledgement before answering 503. kafkajs keeps retrying a
   * dead broker for about 12 s; a client is better told sooner, and resends (the learner drops repeated eventIds).
   */
  GATEWAY_PRODUCE_TIMEOUT_MS: env.int(5_000, { min: 100, max: 120_000 }),
  /** Seconds a domain's catalogue and aggregate stay cached for serving. */
  GATEWAY_MODEL_CACHE_SECONDS: env.number(2, { min: 0, max: 3600 }),
  /** What GET /v1/users/:id/recommendations serves: the latest calibrated list while fresh (else the accuracy list), or always the accuracy list. */
  SERVING_POLICY: z.enum(['calibrated', 'accuracy'], { error: 'expected calibrated or accuracy' }).default('calibrated'),
  /** A calibrated list is served while younger than this, or while the user's model has not changed since it was made. */
  CALIBRATED_LIST_MAX_AGE_SECONDS: env.int(24 * 3600, { min: 0 }),
  /**
   * How often (besides at start and whenever the queue's Redis connection comes back) the operator's rerank requests
   * recorded in Postgres are checked against Redis: pending ones are enqueued, and jobs Redis lost are added again.
   */
  GATEWAY_RERANK_RECONCILE_MS: env.int(60_000, { min: 50, max: 86_400_000 }),
  /**
   * Days an operator rerank request is kept after it was made. Never while pending, nor while its jobs were added
   * within RERANK_KEEP_COMPLETED_SECONDS (the reconciler still checks them). 30: a month of "who asked for what".
   */
  GATEWAY_RERANK_REQUEST_RETENTION_DAYS: retentionEnv.days(30),
  GATEWAY_RETENTION_INTERVAL_MS: retentionEnv.intervalMs(),
  /**
   * The consumer groups whose lag (learner, drift-watch) and dead letters (all three) the console shows: the same
   * variables those services read.
   */
  LEARNER_GROUP_ID: consumerGroupId.default('chorus-learner'),
  DRIFT_GROUP_ID: consumerGroupId.default('chorus-drift-watch'),
  NOTIFIER_GROUP_ID: consumerGroupId.default('chorus-notifier'),
  /** How long one answer of GET /v1/admin/overview/lag is shared by every caller: the broker is asked at most this often. */
  GATEWAY_LAG_CACHE_MS: env.int(5_000, { min: 0, max: 600_000 }),
  /** How long the lag read waits for the broker before answering 503. */
  GATEWAY_LAG_TIMEOUT_MS: env.int(5_000, { min: 100, max: 120_000 }),
  GATEWAY_RETENTION_BATCH_SIZE: retentionEnv.batchSize(),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(gatewayConfigSchema, source);
}
