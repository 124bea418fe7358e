import { randomUUID } from 'node:crypto';
import { parseWith, rerankJobId, rerankRequestV1, type RerankJobInputV1 } from '@chorus/contracts';
import { DomainError, type ContextLogger, type EnqueuedRerankJob, type RerankJobStatus } from '@chorus/platform';
import { parseRequest } from './parse-request';
import type { RerankJobQueue, RerankRequestStore } from './rerank-requests.port';

/** The answer to `POST /v1/admin/rerank`. */
export interface RerankRequestAnswer {
  requestId: string;
  /** `enqueued`: the jobs are in the queue. `pending`: recorded, the queue was unreachable; the reconciler enqueues them. */
  state: 'enqueued' | 'pending';
  jobIds: string[];
  jobs: EnqueuedRerankJob[];
}

/**
 * The operator's trigger of calibrated reranking (POST /v1/admin/rerank) and the job status read
 * (GET /v1/admin/rerank/jobs/:id). Enqueuing goes through the same `RerankQueue` drift-watch uses.
 *
 * A request is recorded in Postgres (`rerank_requests`) before anything is enqueued, so no answered request is lost
 * for good: if Redis is down it is answered 202 `pending` with the ids its jobs will have, and the reconciler
 * ({@link ReconcileRerankRequestsUseCase}) enqueues it once Redis is back; if Redis later loses the jobs, the
 * reconciler adds them again. If the request cannot be recorded (Postgres down), it is refused with 503 and nothing.
 */
export class RequestRerankUseCase {
  constructor(
    private readonly queue: RerankJobQueue,
    private readonly requests: RerankRequestStore,
    private readonly log: ContextLogger,
  ) {}

  async request(body: unknown): Promise<RerankRequestAnswer> {
    const parsed = parseWith(rerankRequestV1, body);
    if (!parsed.ok) throw new DomainError('REQUEST.INVALID', 'the rerank request is not valid; fix the fields listed', parsed.issues);
    const { domain, userIds, segment, lambda, n } = parsed.value;
    const settings = { ...(lambda === undefined ? {} : { lambda }), ...(n === undefined ? {} : { n }) };
    const reason = { kind: 'manual' as const };
    const payload: RerankJobInputV1 = userIds
      ? { scope: 'user', domain, userIds, reason, ...settings }
      : segment
        ? { scope: 'segment', domain, userIds: segment.userIds, segment: segment.name, reason, ...settings }
        : { scope: 'population', domain, reason, ...settings };
    const requestId = randomUUID();
    let planned;
    try {
      planned = await this.queue.plan(payload);
      await this.requests.record({ requestId, payload, jobs: planned.map(({ data: _data, ...job }) => job) });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('RERANK.NOT_RECORDED', `could not record the rerank request (${(error as Error).message}); nothing was recorded or enqueued, retry it`);
    }
    let jobs: EnqueuedRerankJob[];
    try {
      jobs = await this.queue.add(planned);
    } catch (error) {
      const why = `the rerank queue was unreachable (${(error as Error).message}); the reconciler enqueues the request once it is back`;
      await this.requests.markEnqueueFailed(requestId, why).catch((markError: Error) =>
        // Still pending: the reconciler takes it up after its in-flight grace period instead.
        this.log.warn('recording why a rerank request is pending failed', { requestId, error: markError.message }),
      );
      this.log.warn('rerank request recorded but not enqueued; the reconciler enqueues it', { requestId, error: (error as Error).message });
      const pendingJobs = planned.map(({ data: _data, ...job }) => job);
      return { requestId, state: 'pending', jobIds: pendingJobs.map((job) => job.jobId), jobs: pendingJobs };
    }
    await this.requests.markEnqueued(requestId, jobs).catch((error: Error) =>
      // The jobs are queued; the row stays pending, and the reconciler adds the same ids again (no-ops).
      this.log.warn('rerank request enqueued but not marked so; the reconciler will add its jobs again (no-ops)', { requestId, error: error.message }),
    );
    return { requestId, state: 'enqueued', jobIds: jobs.map((job) => job.jobId), jobs };
  }

  async status(rawJobId: string): Promise<RerankJobStatus> {
    const jobId = parseRequest(rerankJobId, rawJobId, 'the job id in the path', 'id');
    const status = await this.queue.status(jobId);
    if (!status) {
      throw new DomainError('RERANK.JOB_NOT_FOUND', `no rerank job "${jobId}" in the queue (unknown, or removed after RERANK_KEEP_COMPLETED_SECONDS / RERANK_KEEP_FAILED_SECONDS)`);
    }
    return status;
  }
}
