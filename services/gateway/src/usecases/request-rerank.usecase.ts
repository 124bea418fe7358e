import { parseWith, rerankJobId, rerankRequestV1, type RerankJobInputV1 } from '@chorus/contracts';
import { DomainError, type EnqueuedRerankJob, type RerankJobStatus, type RerankQueue } from '@chorus/platform';
import { parseRequest } from './parse-request';

/**
 * The operator's trigger of calibrated reranking (POST /v1/admin/rerank) and the job status read
 * (GET /v1/admin/rerank/jobs/:id). Enqueuing goes through the same `RerankQueue` drift-watch uses.
 */
export class RequestRerankUseCase {
  constructor(private readonly queue: RerankQueue) {}

  async request(body: unknown): Promise<{ jobIds: string[]; jobs: EnqueuedRerankJob[] }> {
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
    const jobs = await this.queue.enqueue(payload).catch((error: Error) => {
      if (error instanceof DomainError) throw error;
      throw new DomainError('QUEUE.UNAVAILABLE', `could not enqueue the rerank (${error.message}); nothing was enqueued by this call, retry it`);
    });
    return { jobIds: jobs.map((job) => job.jobId), jobs };
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
