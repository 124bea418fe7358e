import { RERANK_MAX_BATCH_USERS } from '@chorus/contracts';
import { env, loadConfig, rerankQueueConfigShape, retentionEnv, sharedConfigShape } from '@chorus/platform';
import { rewardPriorConfigShape } from '@chorus/scoring';
import { z } from 'zod';

export const rerankerConfigSchema = z
  .object({
    ...sharedConfigShape,
    // Scores must be computed with the priors the learner trains with (and the gateway serves with).
    ...rewardPriorConfigShape,
    ...rerankQueueConfigShape,
    RERANKER_HTTP_PORT: env.int(3002, { min: 0, max: 65535 }),
    /** Partitions of the keyed topics when the reranker has to create them. */
    FEEDBACK_PARTITIONS: env.int(6, { min: 1, max: 1024 }),
    /** Jobs one reranker process works on at once (BullMQ worker concurrency). Scale further with more processes. */
    RERANK_CONCURRENCY: env.int(2, { min: 1, max: 256 }),
    /**
     * Users per `rerank-batch` job of a fan-out: one job reads their models and interactions in one query each, stores
     * their lists in one statement and publishes their completions in one bounded send. Larger batches cost fewer
     * round trips per user and a longer retry when a batch fails (a retry skips the users already stored).
     */
    RERANK_BATCH_SIZE: env.int(100, { min: 1, max: RERANK_MAX_BATCH_USERS }),
    /**
     * Default λ of Steck's objective (a job may override it). With relevance = σ(logit) in [0, 1], 0.5 already moves
     * most of the way to the profile's proportions; exact 70/30 on strongly one-sided scores needs λ near 0.9–0.99
     * (see libs/calibration's seeded 70/30 sweep).
     */
    RERANK_LAMBDA: env.number(0.5, { min: 0, max: 1 }),
    /** Default length n of a calibrated list (a job may override it). */
    RERANK_LIST_SIZE: env.int(20, { min: 1, max: 200 }),
    /** Candidates C handed to the greedy: the user's top C unseen items by personalized score. */
    RERANK_CANDIDATES: env.int(500, { min: 1, max: 100_000 }),
    /** α in q̃ = (1−α)q + αp (Steck: 0.01). */
    RERANK_ALPHA: env.number(0.01, { min: 1e-9, max: 0.999 }),
    /** β of the diversity prior p̃ = β·p₀ + (1−β)·p, p₀ uniform over the domain's categories; 0 = the user's profile only. */
    RERANK_PRIOR_WEIGHT: env.number(0, { min: 0, max: 1 }),
    /** Calibrate lists to the categories of the user's history, or to each persona's share of the user (issue #16). */
    RERANK_CALIBRATE_TO: z.enum(['categories', 'personas'], { error: 'expected "categories" or "personas"' }).default('categories'),
    /** Seconds a domain's aggregate and catalogue stay cached between jobs. */
    RERANK_MODEL_CACHE_SECONDS: env.number(5, { min: 0, max: 3600 }),
    /** BullMQ job lock: a worker that dies holding a job loses it after this long, and the job is retried. */
    RERANK_LOCK_DURATION_MS: env.int(30_000, { min: 1_000, max: 600_000 }),
    /** How often workers look for jobs whose lock expired (stalled by a dead worker). */
    RERANK_STALLED_INTERVAL_MS: env.int(30_000, { min: 500, max: 600_000 }),
    /** Rerank every user of RERANK_SCHEDULE_DOMAINS this often (a population fan-out); 0 = no schedule. */
    RERANK_SCHEDULE_EVERY_SECONDS: env.int(0, { min: 0, max: 30 * 24 * 3600 }),
    /** Domains the schedule covers, comma-separated (required when the schedule is on). */
    RERANK_SCHEDULE_DOMAINS: z
      .string()
      .default('')
      .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
      .refine((domains) => domains.every((d) => /^[a-z][a-z0-9_-]{0,63}$/.test(d)), 'expected comma-separated domain names such as "movies,news"'),
    /**
     * Test and demo hook: pause this long between computing a list and storing it, so a crash can be placed mid-job.
     * Leave 0 in production.
     */
    RERANK_JOB_DELAY_MS: env.int(0, { min: 0, max: 600_000 }),
    /**
     * At shutdown, how long the worker may take to finish its active jobs before it is closed without waiting: a job
     * whose keys a Redis restarted without its data no longer holds can never finish, and must not hold the process
     * (its user is reranked again from Postgres by whoever asked: the gateway's reconciler, drift-watch's outbox).
     */
    RERANK_SHUTDOWN_GRACE_MS: env.int(30_000, { min: 0, max: 600_000 }),
    /**
     * Days a calibrated list is kept after it was stored, once published and superseded: a user's newest list in a
     * domain is always kept (the gateway serves it at any age while the user's model has not moved). 30: superseded
     * lists are history only — serving reads the newest, the reranker a list by its job id while the job runs — and a
     * month of it is enough to study calibration (C_KL before/after, minority share) over time.
     */
    RERANK_LIST_RETENTION_DAYS: retentionEnv.days(30),
    /** How often expired calibrated lists are deleted. */
    RERANK_RETENTION_INTERVAL_MS: retentionEnv.intervalMs(),
    /** Rows per delete statement (each its own short transaction). */
    RERANK_RETENTION_BATCH_SIZE: retentionEnv.batchSize(),
  })
  .superRefine((config, ctx) => {
    if (config.RERANK_SCHEDULE_EVERY_SECONDS > 0 && config.RERANK_SCHEDULE_DOMAINS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['RERANK_SCHEDULE_DOMAINS'], message: 'name the domains to reschedule (e.g. "movies") when RERANK_SCHEDULE_EVERY_SECONDS > 0' });
    }
  });

export type RerankerConfig = z.output<typeof rerankerConfigSchema>;
export const RERANKER_CONFIG = Symbol('RERANKER_CONFIG');

export function loadRerankerConfig(source: NodeJS.ProcessEnv = process.env): RerankerConfig {
  return loadConfig(rerankerConfigSchema, source);
}
