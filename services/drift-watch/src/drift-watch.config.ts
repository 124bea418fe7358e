import { env, loadConfig, rerankQueueConfigShape, retentionEnv, sharedConfigShape } from '@chorus/platform';
import { rewardPriorConfigShape } from '@chorus/scoring';
import { z } from 'zod';

export const driftWatchConfigSchema = z.object({
  ...sharedConfigShape,
  /** τ² per domain: personal divergence is |b_u| in prior standard deviations, so it must use the learner's priors. */
  ...rewardPriorConfigShape,
  ...rerankQueueConfigShape,
  DRIFT_GROUP_ID: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').default('chorus-drift-watch'),
  DRIFT_HTTP_PORT: env.int(3003, { min: 0, max: 65535 }),
  /** Kafka group session timeout: how long a dead instance holds its partitions (the broker's minimum is 6000). */
  DRIFT_SESSION_TIMEOUT_MS: env.int(30_000, { min: 6_000, max: 300_000 }),
  /** Partitions of the keyed topics when drift-watch has to create them (same variable as gateway and learner). */
  FEEDBACK_PARTITIONS: env.int(6, { min: 1, max: 1024 }),
  /** Commit state, offsets, alerts and series to Postgres after this many messages... */
  DRIFT_FLUSH_EVENTS: env.int(20_000, { min: 1 }),
  /** ...or after this long, whichever comes first. */
  DRIFT_FLUSH_INTERVAL_MS: env.int(1000, { min: 10 }),
  /** Per-user signals are watched once a user has this many events (feedback + served lists) in a domain. */
  DRIFT_USER_MIN_EVENTS: env.int(30, { min: 1 }),
  /** Half-life, in the user's events, of the exponentially weighted per-user metrics (category mixes, stance). */
  DRIFT_USER_HALF_LIFE_EVENTS: env.number(25, { min: 1 }),
  /** Width of the population time buckets (event time). */
  DRIFT_BUCKET_SECONDS: env.int(3600, { min: 1 }),
  /** How late (event time) an event may arrive and still count in its bucket: a bucket closes at end + lateness. */
  DRIFT_BUCKET_LATENESS_SECONDS: env.int(60, { min: 0 }),
  /**
   * Feedback and exposures are separate topics and arrive as separate batches, so a bucket closes only when both have
   * passed it; a topic lagging the other by more than this (event time) is treated as stalled and no longer waited for.
   */
  DRIFT_INPUT_MAX_SKEW_SECONDS: env.int(6 * 3600, { min: 0 }),
  /**
   * The two topics of a partition are merged in event-time order before they are applied; a message waits for the other
   * topic until it has delivered a later event or been silent this long (the tail of a stream, a topic with no traffic).
   */
  DRIFT_MERGE_IDLE_MS: env.int(2_000, { min: 0 }),
  /** User pairs in each bucket's homogenization panel (drawn from a hash sample of gated users of the shard). */
  DRIFT_HOMOGENIZATION_PAIRS: env.int(200, { min: 1, max: 100_000 }),
  /** Polarization is reported once a shard has this many gated users with a stance. */
  DRIFT_POLARIZATION_MIN_USERS: env.int(10, { min: 2 }),
  /**
   * A segment's mean of a signal in a bucket is a point (and is watched) once this many of its gated members
   * contributed to it in the shard (partition): fewer, and one member's noise would be the segment's drift.
   */
  DRIFT_SEGMENT_MIN_USERS: env.int(5, { min: 1 }),
  /** Esteban–Ray sensitivity α ∈ (0, 1.6]. */
  DRIFT_POLARIZATION_ALPHA: env.number(1.3, { min: 0.01, max: 1.6 }),
  /** Re-read a gated user's deviation b_u from Postgres after this many of their events. */
  DRIFT_MODEL_REFRESH_EVENTS: env.int(10, { min: 1 }),
  /**
   * A gated user whose b_u the learner has not committed yet is asked for again after this long, even if they send
   * nothing more (otherwise a user whose stream stops right after the gate would never get a divergence reading).
   */
  DRIFT_MODEL_RETRY_MS: env.int(5_000, { min: 50 }),
  /** Repeats of an alert (same scope, subject, domain, metric) within this event-time span fold into it. */
  DRIFT_ALERT_COOLDOWN_SECONDS: env.int(6 * 3600, { min: 0 }),
  /** How often the detector configuration table is polled for changes. */
  DRIFT_CONFIG_POLL_MS: env.int(5_000, { min: 50 }),
  /** How often unpublished alerts and unrequested reranks are retried (they are also tried after every commit). */
  DRIFT_OUTBOX_INTERVAL_MS: env.int(5_000, { min: 50 }),
  /** Enqueue calibrated-rerank jobs for harmful calibration and diversity alerts. */
  DRIFT_RERANK_ENABLED: env.bool(true),
  /**
   * How often (and at start) the rerank jobs Postgres records as enqueued are checked against Redis; an alert whose
   * job Redis no longer knows (Redis restarted without persistence) is put back in the outbox and requested again.
   */
  DRIFT_RERANK_RECONCILE_MS: env.int(60_000, { min: 50, max: 86_400_000 }),
  /**
   * Users (per domain) kept in memory; colder ones are evicted to Postgres once committed and read back, a batch at a
   * time, on their next event. A resident user costs ~9 kB of heap with the built-in detectors (population
   * bookkeeping included), so the default 100,000 is ~0.9 GB whatever the number of users; residents exceed it by at
   * most the users touched in two commit intervals (≤ 2 × DRIFT_FLUSH_EVENTS).
   */
  DRIFT_MAX_RESIDENT_USERS: env.int(100_000, { min: 1_000, max: 50_000_000 }),
  /** Its former name: refused rather than ignored, so a deployment that still sets it learns the new one at boot. */
  DRIFT_USER_CACHE_SIZE: z.undefined({ error: 'renamed: set DRIFT_MAX_RESIDENT_USERS (the same number: users kept in memory) instead' }).optional(),
  /**
   * Days an alert is kept after it was last written (raised, or a repeat folded into it), unless still unpublished or
   * its rerank still unrequested. 90: a quarter of history for alert reviews; every alert also went to Kafka and to
   * the notifier, which keeps its copy as long by default.
   */
  DRIFT_ALERT_RETENTION_DAYS: retentionEnv.days(90),
  /**
   * Days a user's series point is kept after it was first written. 30: the bulk of drift-watch's rows (metrics × users
   * × active buckets); nothing in drift-watch reads it back, and an alert carries its value and baseline itself.
   */
  DRIFT_USER_SERIES_RETENTION_DAYS: retentionEnv.days(30),
  /**
   * Days a population series point is kept after it was first written. 90, as alerts: the table is small (metrics ×
   * shards × buckets, whatever the number of users) and is the context an operator reads a population alert in.
   */
  DRIFT_POPULATION_SERIES_RETENTION_DAYS: retentionEnv.days(90),
  /** How often expired alerts and series points are deleted. */
  DRIFT_RETENTION_INTERVAL_MS: retentionEnv.intervalMs(),
  /** Rows per delete statement (each its own short transaction). */
  DRIFT_RETENTION_BATCH_SIZE: retentionEnv.batchSize(),
});

export type DriftWatchConfig = z.output<typeof driftWatchConfigSchema>;

export const DRIFT_WATCH_CONFIG = Symbol('DRIFT_WATCH_CONFIG');

export function loadDriftWatchConfig(source: NodeJS.ProcessEnv = process.env): DriftWatchConfig {
  return loadConfig(driftWatchConfigSchema, source);
}
