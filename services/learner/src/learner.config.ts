import { env, loadConfig, retentionEnv, sharedConfigShape } from '@chorus/platform';
import { reliabilityWeightConfigShape, rewardPriorConfigShape } from '@chorus/scoring';
import { z } from 'zod';

export const learnerConfigSchema = z.object({
  ...sharedConfigShape,
  LEARNER_GROUP_ID: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').default('chorus-learner'),
  LEARNER_HTTP_PORT: env.int(3001, { min: 0, max: 65535 }),
  /** Kafka group session timeout: how long a dead learner holds its partitions (the broker's minimum is 6000). */
  LEARNER_SESSION_TIMEOUT_MS: env.int(30_000, { min: 6_000, max: 300_000 }),
  /** Partitions of the feedback topic when the learner has to create it. */
  FEEDBACK_PARTITIONS: env.int(6, { min: 1, max: 1024 }),
  /**
   * Commit model state and offsets to Postgres after this many events... Large commits coalesce a user's repeated
   * updates into one row write; exactly-once does not depend on the size (a crash replays the uncommitted tail).
   */
  LEARNER_FLUSH_EVENTS: env.int(50_000, { min: 1 }),
  /** ...or after this long, whichever comes first. */
  LEARNER_FLUSH_INTERVAL_MS: env.int(1000, { min: 10 }),
  /**
   * Group commit: once the learner has caught up, commit as soon as the last commit is this old, so what was learned is
   * durable and readable within about this long. It also bounds the commit rate (each commit writes a row per active
   * user). A value ≥ LEARNER_FLUSH_INTERVAL_MS commits by count and interval only.
   */
  LEARNER_FLUSH_IDLE_MS: env.int(100, { min: 0 }),
  ...rewardPriorConfigShape,
  ...reliabilityWeightConfigShape,
  /**
   * A user's interactions are appended as one row per commit; once this learner has appended this many for a user, the
   * commit merges that user's rows into one, so serving's "already seen" lookup stays a few rows per user.
   */
  LEARNER_INTERACTION_ROWS_PER_USER: env.int(32, { min: 2, max: 10_000 }),
  /** How many recent event ids per user are remembered to drop client retries. */
  LEARNER_DEDUPE_WINDOW: env.int(64, { min: 1, max: 4096 }),
  /**
   * Users (all domains) kept in memory; colder ones are evicted to Postgres once committed and read back, a chunk of
   * events at a time, on their next event. Residents exceed it by at most the users touched in two commit intervals.
   */
  LEARNER_MAX_RESIDENT_USERS: env.int(200_000, { min: 100, max: 50_000_000 }),
  /** Its former name: refused rather than ignored, so a deployment that still sets it learns the new one at boot. */
  LEARNER_USER_CACHE_SIZE: z.undefined({ error: 'renamed: set LEARNER_MAX_RESIDENT_USERS (the same number: users kept in memory) instead' }).optional(),
  /** Record score-before-learn predictions for evaluation (the demo's held-out AUC). */
  LEARNER_PREQUENTIAL_LOG: env.bool(false),
  /** The console's prequential AUC histograms (per minute of event time) are deleted this many days after written. */
  LEARNER_PREQUENTIAL_AUC_RETENTION_DAYS: retentionEnv.days(90),
  /** The score-before-learn predictions LEARNER_PREQUENTIAL_LOG records, deleted this many days after written. */
  LEARNER_PREQUENTIAL_PREDICTION_RETENTION_DAYS: retentionEnv.days(30),
  LEARNER_RETENTION_INTERVAL_MS: retentionEnv.intervalMs(),
  LEARNER_RETENTION_BATCH_SIZE: retentionEnv.batchSize(),
});

export type LearnerConfig = z.output<typeof learnerConfigSchema>;

export const LEARNER_CONFIG = Symbol('LEARNER_CONFIG');

export function loadLearnerConfig(source: NodeJS.ProcessEnv = process.env): LearnerConfig {
  return loadConfig(learnerConfigSchema, source);
}
