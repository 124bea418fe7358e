import type { RerankJobInputV1 } from '@chorus/contracts';
import { JsonLogger, RERANK_JOB, type EnqueuedRerankJob, type PlannedRerankJob, type RerankJobStatus } from '@chorus/platform';
import { ReconcileRerankRequestsUseCase } from '../usecases/reconcile-rerank-requests.usecase';
import type { RerankJobQueue, RerankRequestRecord, RerankRequestStore } from '../usecases/rerank-requests.port';
import { RequestRerankUseCase } from '../usecases/request-rerank.usecase';

interface StoredRow extends RerankRequestRecord {
  state: 'pending' | 'enqueued';
  requestedAt: number;
  enqueuedAt: number | null;
  enqueueError: string | null;
}

/** `rerank_requests` in memory, on a clock the test moves (`now`). `down` makes every call fail like a lost Postgres. */
export class InMemoryRerankRequests implements RerankRequestStore {
  readonly rows = new Map<string, StoredRow>();
  now = 0;
  down = false;

  async record(request: RerankRequestRecord): Promise<void> {
    this.check();
    this.rows.set(request.requestId, { ...structuredClone(request), state: 'pending', requestedAt: this.now, enqueuedAt: null, enqueueError: null });
  }

  async markEnqueued(requestId: string, jobs: EnqueuedRerankJob[]): Promise<void> {
    this.check();
    const row = this.rows.get(requestId)!;
    Object.assign(row, { state: 'enqueued', jobs: structuredClone(jobs), enqueuedAt: this.now, enqueueError: null });
  }

  async markEnqueueFailed(requestId: string, why: string): Promise<void> {
    this.check();
    const row = this.rows.get(requestId)!;
    if (row.state === 'pending') row.enqueueError = why;
  }

  async pending(inFlightGraceMs: number, limit: number, after?: string): Promise<RerankRequestRecord[]> {
    this.check();
    return this.page((r) => r.state === 'pending' && (r.enqueueError !== null || r.requestedAt < this.now - inFlightGraceMs), limit, after);
  }

  async recentlyEnqueued(horizonMs: number, limit: number, after?: string): Promise<RerankRequestRecord[]> {
    this.check();
    return this.page((r) => r.state === 'enqueued' && r.enqueuedAt! > this.now - horizonMs, limit, after);
  }

  private page(keep: (row: StoredRow) => boolean, limit: number, after?: string): RerankRequestRecord[] {
    return [...this.rows.values()]
      .filter((r) => keep(r) && (after === undefined || r.requestId > after))
      .sort((a, b) => (a.requestId < b.requestId ? -1 : 1))
      .slice(0, limit)
      .map(({ requestId, payload, jobs }) => structuredClone({ requestId, payload, jobs }));
  }

  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
}

/**
 * The rerank queue in memory: per-user ids `user.<domain>.<user>.v<version>` (versions set by the test), fan-out ids
 * `fan-out.<scope>.<n>`; an added fan-out equal to one queued joins it, as BullMQ's deduplication does. `down` makes
 * Redis calls fail; `flush()` is a Redis restart without data.
 */
export class InMemoryRerankQueue implements RerankJobQueue {
  readonly jobs = new Map<string, { name: string; data: unknown }>();
  /** Every add and restore, in order, with the ids it carried. */
  readonly calls: { op: 'add' | 'restore'; jobIds: string[] }[] = [];
  readonly versions = new Map<string, string>();
  down = false;
  private fanOuts = 0;

  async plan(input: RerankJobInputV1): Promise<PlannedRerankJob[]> {
    if (input.scope === 'user') {
      return [...new Set(input.userIds!)].map((userId) => {
        const version = this.versions.get(userId) ?? '0.0';
        return { jobId: `user.${input.domain}.${userId}.v${version}`, name: RERANK_JOB.user, userId, modelVersion: version, data: { ...input, userIds: [userId] } as PlannedRerankJob['data'] };
      });
    }
    return [{ jobId: `fan-out.${input.scope}.${++this.fanOuts}`, name: RERANK_JOB.fanOut, data: input as PlannedRerankJob['data'] }];
  }

  async add(jobs: readonly PlannedRerankJob[]): Promise<EnqueuedRerankJob[]> {
    this.check();
    this.calls.push({ op: 'add', jobIds: jobs.map((j) => j.jobId) });
    return jobs.map(({ data, ...job }) => {
      const equal = job.name === RERANK_JOB.fanOut ? [...this.jobs].find(([, queued]) => JSON.stringify(queued.data) === JSON.stringify(data)) : undefined;
      if (equal) return { ...job, jobId: equal[0] };
      if (!this.jobs.has(job.jobId)) this.jobs.set(job.jobId, { name: job.name, data });
      return job;
    });
  }

  async restore(input: RerankJobInputV1, jobs: readonly EnqueuedRerankJob[]): Promise<void> {
    this.check();
    this.calls.push({ op: 'restore', jobIds: jobs.map((j) => j.jobId) });
    for (const job of jobs) if (!this.jobs.has(job.jobId)) this.jobs.set(job.jobId, { name: job.name, data: job.userId ? { ...input, userIds: [job.userId] } : input });
  }

  async unknownJobIds(jobIds: readonly string[]): Promise<Set<string>> {
    this.check();
    return new Set(jobIds.filter((id) => !this.jobs.has(id)));
  }

  async status(jobId: string): Promise<RerankJobStatus | undefined> {
    this.check();
    return this.jobs.has(jobId) ? ({ jobId, state: 'waiting' } as RerankJobStatus) : undefined;
  }

  /** Redis restarted without persistence. */
  flush(): void {
    this.jobs.clear();
  }

  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  }
}

/** The request path and the reconciler over one in-memory store and queue; `lines` holds what they logged. */
export function rerankRequestsHarness() {
  const queue = new InMemoryRerankQueue();
  const requests = new InMemoryRerankRequests();
  const lines: string[] = [];
  const log = new JsonLogger('test', 'info', (line) => lines.push(line)).child('rerank-requests');
  return { queue, requests, lines, request: new RequestRerankUseCase(queue, requests, log), reconciler: new ReconcileRerankRequestsUseCase(queue, requests, log) };
}
