import { createHash, randomUUID } from 'node:crypto';
import { modelVersion, parseWith, rerankJobV1, type RerankBatchJobV1, type RerankJobInputV1, type RerankJobV1 } from '@chorus/contracts';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { env } from '../config/load-config';
import { DomainError } from '../errors/domain-error';
import { jobsUnknownToQueue } from './queue-reconciliation';

/** The BullMQ queue every rerank trigger feeds and the reranker consumes (DESIGN §6). */
export const RERANK_QUEUE = 'rerank';

/** Job names: one handler each in the reranker (it checks at boot that each name has exactly one). */
export const RERANK_JOB = {
  /** Rerank one user: the unit of work, deduplicated per user and model version. */
  user: 'rerank-user',
  /** Expand a segment, a population or a multi-user request into `rerank-batch` jobs. */
  fanOut: 'rerank-fan-out',
  /** Rerank up to RERANK_BATCH_SIZE users of a fan-out together; each user's list is stored under its per-user job id. */
  batch: 'rerank-batch',
} as const;
export type RerankJobName = (typeof RERANK_JOB)[keyof typeof RERANK_JOB];

/** Queue settings shared by every process that enqueues (gateway, drift-watch) or works (reranker). */
export const rerankQueueConfigShape = {
  /** BullMQ key prefix in Redis: stacks (and test files) sharing one Redis use different prefixes. */
  RERANK_QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').default('chorus'),
  /** Attempts per job before it fails (transient faults are retried with exponential backoff). */
  RERANK_JOB_ATTEMPTS: env.int(5, { min: 1, max: 100 }),
  /** First retry delay; each further retry doubles it. */
  RERANK_BACKOFF_MS: env.int(2_000, { min: 1, max: 3_600_000 }),
  /** How long a completed job stays in Redis. While it does, enqueuing the same job again is a no-op. */
  RERANK_KEEP_COMPLETED_SECONDS: env.int(7 * 24 * 3600, { min: 0 }),
  /** How long a failed job stays in Redis for inspection. */
  RERANK_KEEP_FAILED_SECONDS: env.int(30 * 24 * 3600, { min: 0 }),
};
const queueConfigSchema = z.object({ REDIS_URL: z.string(), ...rerankQueueConfigShape });
export type RerankQueueConfig = z.output<typeof queueConfigSchema>;

export interface EnqueuedRerankJob {
  jobId: string;
  name: RerankJobName;
  /** Set for per-user jobs. */
  userId?: string;
  /** The model version the per-user job id was derived from. */
  modelVersion?: string;
}

/** A job chosen by {@link RerankQueue.plan}, not yet in Redis: its id, and the data it will carry. */
export interface PlannedRerankJob extends EnqueuedRerankJob {
  data: RerankJobV1;
}

/** What a caller keeps of a job: everything but its data. */
function enqueued({ jobId, name, userId, modelVersion: version }: EnqueuedRerankJob): EnqueuedRerankJob {
  return { jobId, name, ...(userId === undefined ? {} : { userId }), ...(version === undefined ? {} : { modelVersion: version }) };
}

export interface RerankJobStatus {
  jobId: string;
  name: string;
  /** BullMQ state: waiting, active, delayed, completed, failed, prioritized, waiting-children, or unknown. */
  state: string;
  /** Attempts that ended (failed, retried or completed). */
  attemptsMade: number;
  /** Attempts a worker began, including one cut short by a crash. */
  attemptsStarted: number;
  attemptsAllowed: number;
  failedReason: string | null;
  /** The worker's return value once completed. */
  result: unknown;
  progress: unknown;
  data: unknown;
  enqueuedAt: string;
  processedAt: string | null;
  finishedAt: string | null;
}

/**
 * The per-user job id: deterministic in (domain, user, model version, λ/n overrides), so the same rerank enqueued
 * twice — by an alert and an operator, by two alerts, by a retried request — is one job. A new model version (the
 * user or the aggregate learned something) is a new job. BullMQ ids may not contain ":"; user ids outside
 * [A-Za-z0-9_-] are hashed so the id stays unambiguous and URL-safe.
 */
export function rerankJobId(domain: string, userId: string, version: string, overrides: { lambda?: number; n?: number } = {}): string {
  const user = /^[A-Za-z0-9_-]{1,128}$/.test(userId) ? userId : `h${createHash('sha256').update(userId).digest('hex').slice(0, 24)}`;
  return `user.${domain}.${user}.v${version}${overridesSuffix(overrides)}`;
}

/** `.l<λ>.n<n>` for the overrides a job sets (they change the list, so ids and keys must tell them apart). */
function overridesSuffix({ lambda, n }: { lambda?: number; n?: number }): string {
  return `${lambda === undefined ? '' : `.l${lambda}`}${n === undefined ? '' : `.n${n}`}`;
}

/** The per-user job id of each user of a batch (the id its list is stored under, as for a `rerank-user` job). */
export function batchUserJobIds(batch: RerankBatchJobV1): string[] {
  return batch.users.map(({ userId, modelVersion: version }) => rerankJobId(batch.domain, userId, version, { lambda: batch.lambda, n: batch.n }));
}

/** `batch.<domain>.<hash of the users' job ids>`: the same users at the same versions and settings are one batch. */
export function rerankBatchJobId(batch: RerankBatchJobV1): string {
  return `batch.${batch.domain}.${createHash('sha256').update(batchUserJobIds(batch).join('\n')).digest('hex').slice(0, 32)}`;
}

/**
 * What makes two fan-out requests the same: scope, domain, overrides and, for a segment, its members (in any order,
 * repeats aside; the name only labels them). The reason is not part of it: two alerts asking for the same fan-out are
 * served by one.
 */
export function fanOutKey(job: RerankJobV1): string {
  const members = job.scope === 'segment' ? `.m${createHash('sha256').update([...new Set(job.userIds)].sort().join('\n')).digest('hex').slice(0, 24)}` : '';
  return `fan-out.${job.scope}.${job.domain}${members}${overridesSuffix(job)}`;
}

/**
 * What planning a rerank needs of the learner's models: the events each user's model and the domain's aggregate have
 * learned (a job's model version). `RewardModelsRepository` of `@chorus/scoring` is the implementation; the queue, an
 * adapter, takes it as this port so the platform does not depend on the scoring library.
 */
export interface ModelEventCounts {
  userEventsSeen(domain: string, userIds: readonly string[]): Promise<Map<string, number>>;
  aggregateEventsSeen(domain: string): Promise<number>;
}

/**
 * The producer side of the `rerank` queue: the one way to ask for calibrated reranking.
 *
 * ```ts
 * const queue = RerankQueue.fromConfig(config, new RewardModelsRepository(db)); // config ⊇ REDIS_URL + rerankQueueConfigShape
 * await queue.enqueue({ scope: 'user', domain: 'movies', userIds: ['u1'], reason: { kind: 'alert', alertId } });
 * await queue.enqueue({ scope: 'segment', domain: 'movies', userIds: members, segment: 'cohort-7', reason: { kind: 'alert', alertId } });
 * await queue.enqueue({ scope: 'population', domain: 'movies', reason: { kind: 'manual' } });
 * ```
 *
 * A `user` payload becomes one job per user at once, with the deterministic id of {@link rerankJobId} (the model
 * version is read from Postgres here). `segment` and `population` payloads become one fan-out job, which the reranker
 * expands into per-user jobs with the same ids; a request equal to a fan-out still waiting or running joins it
 * ({@link fanOutKey}). Invalid payloads throw `DomainError('RERANK.INVALID_JOB')` naming
 * each field. Jobs retry with exponential backoff (RERANK_JOB_ATTEMPTS, RERANK_BACKOFF_MS).
 */
export class RerankQueue {
  readonly queue: Queue;
  private readonly jobOptions: JobsOptions;

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly models: ModelEventCounts,
    options: { attempts: number; backoffMs: number; keepCompletedSeconds: number; keepFailedSeconds: number },
  ) {
    this.queue = new Queue(RERANK_QUEUE, { connection, prefix });
    this.jobOptions = {
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      removeOnComplete: { age: options.keepCompletedSeconds },
      removeOnFail: { age: options.keepFailedSeconds },
    };
  }

  static fromConfig(config: RerankQueueConfig, models: ModelEventCounts): RerankQueue {
    const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    return new RerankQueue(connection, config.RERANK_QUEUE_PREFIX, models, {
      attempts: config.RERANK_JOB_ATTEMPTS,
      backoffMs: config.RERANK_BACKOFF_MS,
      keepCompletedSeconds: config.RERANK_KEEP_COMPLETED_SECONDS,
      keepFailedSeconds: config.RERANK_KEEP_FAILED_SECONDS,
    });
  }

  /** Validate and enqueue; returns the job ids (per-user jobs, or the one fan-out job). */
  async enqueue(input: RerankJobInputV1): Promise<EnqueuedRerankJob[]> {
    return this.add(await this.plan(input));
  }

  /**
   * Validate and choose the jobs of a request without touching Redis (the per-user ids read the users' model versions
   * from Postgres): a caller that must record a request before it is enqueued (the gateway) records these, then
   * {@link add}s them. A `user` payload plans one job per user with the id of {@link rerankJobId}; `segment` and
   * `population` payloads plan one fan-out job with a fresh id.
   */
  async plan(input: RerankJobInputV1): Promise<PlannedRerankJob[]> {
    const job = this.parse(input);
    if (job.scope === 'user') {
      const userIds = [...new Set(job.userIds!)];
      const [events, aggregateEvents] = await Promise.all([this.models.userEventsSeen(job.domain, userIds), this.models.aggregateEventsSeen(job.domain)]);
      return userIds.map((userId) => this.userJob(job, userId, modelVersion(events.get(userId) ?? 0, aggregateEvents)));
    }
    return [{ jobId: `fan-out.${job.scope}.${randomUUID()}`, name: RERANK_JOB.fanOut, data: job }];
  }

  /**
   * Add planned jobs. A job whose id exists (waiting, active, or kept after completion) is not added again. While a
   * fan-out of the same request waits or runs, another joins it (the id returned is the queued job's): it reranks
   * everyone with the models current when it runs. drift-watch raises population and segment alerts per partition
   * shard, so one drift can ask for the same fan-out once per shard, each a rerank of every user.
   */
  async add(jobs: readonly PlannedRerankJob[]): Promise<EnqueuedRerankJob[]> {
    const users = jobs.filter((job) => job.name === RERANK_JOB.user);
    await this.addWithIds(users);
    const added: EnqueuedRerankJob[] = users.map(enqueued);
    for (const fanOut of jobs.filter((job) => job.name === RERANK_JOB.fanOut)) {
      const job = await this.queue.add(RERANK_JOB.fanOut, fanOut.data, { ...this.jobOptions, jobId: fanOut.jobId, deduplication: { id: fanOutKey(fanOut.data) } });
      added.push({ jobId: job.id!, name: RERANK_JOB.fanOut });
    }
    return added;
  }

  /**
   * Add again, with the same ids, the jobs `jobs` of a request recorded as `input` whose jobs Redis lost (or never
   * got): a per-user job gets the same data as when it was planned; a fan-out is added under its recorded id without
   * joining an equal one, so the id the requester was given is the one that runs (an equal fan-out running meanwhile
   * only makes its per-user jobs twice, and those are the same ids: no-ops). Ids that exist are not added again.
   */
  async restore(input: RerankJobInputV1, jobs: readonly Pick<EnqueuedRerankJob, 'jobId' | 'name' | 'userId' | 'modelVersion'>[]): Promise<void> {
    const job = this.parse(input);
    const planned = jobs.map((recorded): PlannedRerankJob => {
      if (recorded.name === RERANK_JOB.fanOut) return { jobId: recorded.jobId, name: RERANK_JOB.fanOut, data: job };
      if (recorded.userId === undefined) throw new DomainError('RERANK.INVALID_JOB', `the recorded per-user job ${recorded.jobId} has no userId; it cannot be added again`);
      return { ...this.userJob(job, recorded.userId, recorded.modelVersion ?? ''), jobId: recorded.jobId };
    });
    await this.addWithIds(planned.filter((p) => p.name === RERANK_JOB.user));
    const fanOuts = planned.filter((p) => p.name === RERANK_JOB.fanOut);
    if (fanOuts.length > 0) await this.queue.addBulk(fanOuts.map(({ name, data, jobId }) => ({ name, data, opts: { ...this.jobOptions, jobId } })));
  }

  /** The ids among `jobIds` this queue holds no record of in Redis (see {@link jobsUnknownToQueue}). */
  unknownJobIds(jobIds: readonly string[]): Promise<Set<string>> {
    return jobsUnknownToQueue(this.queue, jobIds);
  }

  /**
   * The users of a fan-out as `rerank-batch` jobs of at most `batchSize` users, in the order given. A batch's id is
   * derived from its users' job ids, so the same batch planned again (a retried or restarted fan-out over unchanged
   * models) is not added twice.
   */
  async enqueueBatches(
    template: RerankJobV1,
    users: readonly { userId: string; eventsSeen: number }[],
    aggregateEventsSeen: number,
    batchSize: number,
  ): Promise<EnqueuedRerankJob[]> {
    const jobs: (EnqueuedRerankJob & { data: RerankBatchJobV1 })[] = [];
    for (let i = 0; i < users.length; i += batchSize) {
      const data: RerankBatchJobV1 = {
        domain: template.domain,
        users: users.slice(i, i + batchSize).map(({ userId, eventsSeen }) => ({ userId, modelVersion: modelVersion(eventsSeen, aggregateEventsSeen) })),
        reason: template.reason,
        ...(template.segment === undefined ? {} : { segment: template.segment }),
        ...(template.lambda === undefined ? {} : { lambda: template.lambda }),
        ...(template.n === undefined ? {} : { n: template.n }),
      };
      jobs.push({ jobId: rerankBatchJobId(data), name: RERANK_JOB.batch, data });
    }
    await this.addWithIds(jobs);
    return jobs.map(enqueued);
  }

  private parse(input: RerankJobInputV1): RerankJobV1 {
    const parsed = parseWith(rerankJobV1, input);
    if (!parsed.ok) throw new DomainError('RERANK.INVALID_JOB', 'the rerank job is not valid; fix the fields listed', parsed.issues);
    return parsed.value;
  }

  /** The per-user job of `template` for one user at one model version. */
  private userJob(template: RerankJobV1, userId: string, version: string): PlannedRerankJob {
    const data: RerankJobV1 = {
      scope: 'user',
      domain: template.domain,
      userIds: [userId],
      reason: template.reason,
      ...(template.segment === undefined ? {} : { segment: template.segment }),
      ...(template.lambda === undefined ? {} : { lambda: template.lambda }),
      ...(template.n === undefined ? {} : { n: template.n }),
    };
    return { jobId: rerankJobId(template.domain, userId, version, { lambda: template.lambda, n: template.n }), name: RERANK_JOB.user, data, userId, modelVersion: version };
  }

  /** Adds jobs with their own ids (per-user and batch jobs), 1,000 per round trip. */
  private async addWithIds(jobs: readonly (EnqueuedRerankJob & { data: RerankJobV1 | RerankBatchJobV1 })[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 1000) {
      await this.queue.addBulk(jobs.slice(i, i + 1000).map(({ name, data, jobId }) => ({ name, data, opts: { ...this.jobOptions, jobId } })));
    }
  }

  /**
   * Make the configured schedule the only one: a `population` fan-out per domain every `everyMs` (BullMQ job
   * schedulers, so several reranker instances upserting the same schedule leave one), and none when `everyMs` is 0.
   * Returns the scheduler ids in force.
   */
  async syncSchedules(domains: readonly string[], everyMs: number): Promise<string[]> {
    const wanted = everyMs > 0 ? domains.map((domain) => ({ id: `schedule.${domain}`, domain })) : [];
    for (const existing of await this.queue.getJobSchedulers()) {
      if (existing.key.startsWith('schedule.') && !wanted.some((w) => w.id === existing.key)) await this.queue.removeJobScheduler(existing.key);
    }
    for (const { id, domain } of wanted) {
      const data: RerankJobV1 = { scope: 'population', domain, reason: { kind: 'schedule' } };
      const { attempts, backoff, removeOnComplete, removeOnFail } = this.jobOptions;
      await this.queue.upsertJobScheduler(id, { every: everyMs }, { name: RERANK_JOB.fanOut, data, opts: { attempts, backoff, removeOnComplete, removeOnFail } });
    }
    return wanted.map((w) => w.id);
  }

  async status(jobId: string): Promise<RerankJobStatus | undefined> {
    // State first, then the fields: read the other way round, a job finishing in between would show a terminal
    // state with the fields (attempts, result) of before. A terminal state's fields no longer change.
    const state = await this.queue.getJobState(jobId);
    const job = await this.queue.getJob(jobId);
    if (!job || state === 'unknown') return undefined;
    const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);
    return {
      jobId: job.id ?? jobId,
      name: job.name,
      state,
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      attemptsAllowed: job.opts.attempts ?? 1,
      failedReason: job.failedReason || null,
      result: job.returnvalue ?? null,
      progress: job.progress,
      data: job.data,
      enqueuedAt: new Date(job.timestamp).toISOString(),
      processedAt: iso(job.processedOn),
      finishedAt: iso(job.finishedOn),
    };
  }

  /**
   * Calls `listener` whenever the connection to Redis is established again after a loss (not the first time): a Redis
   * without persistence may have come back empty, and what only lives in Redis (schedules) has to be put back.
   */
  onReconnect(listener: () => void): void {
    let connected = this.connection.status === 'ready';
    this.connection.on('ready', () => {
      if (connected) listener();
      connected = true;
    });
  }

  /** Round trip to the queue's Redis (health probes, start-up checks). */
  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => undefined);
  }
}
