import type { RerankJobInputV1 } from '@chorus/contracts';
import type { EnqueuedRerankJob, PlannedRerankJob, RerankJobStatus } from '@chorus/platform';

/** A recorded operator rerank request (a row of `rerank_requests`). */
export interface RerankRequestRecord {
  requestId: string;
  /** The validated job input the request asked for. */
  payload: RerankJobInputV1;
  /** Planned while pending; the jobs the queue holds once enqueued. */
  jobs: EnqueuedRerankJob[];
}

/** Where accepted rerank requests are recorded (Postgres), so a Redis that loses its jobs loses no request. */
export interface RerankRequestStore {
  /** Records a request as pending, before anything is enqueued. */
  record(request: RerankRequestRecord): Promise<void>;
  /** The request's jobs are in the queue now (`jobs`: the ids the queue holds). */
  markEnqueued(requestId: string, jobs: EnqueuedRerankJob[]): Promise<void>;
  /** The request path could not enqueue (why): the request waits for the reconciler. */
  markEnqueueFailed(requestId: string, why: string): Promise<void>;
  /**
   * Pending requests the reconciler should enqueue: those whose request path gave up (an enqueue error recorded), and
   * those recorded more than `inFlightGraceMs` ago (a request path that died between recording and enqueuing).
   * Keyset pages by request id.
   */
  pending(inFlightGraceMs: number, limit: number, afterRequestId?: string): Promise<RerankRequestRecord[]>;
  /** Requests whose jobs were last added to the queue within `horizonMs`. Keyset pages by request id. */
  recentlyEnqueued(horizonMs: number, limit: number, afterRequestId?: string): Promise<RerankRequestRecord[]>;
}

/** The rerank queue as the gateway uses it (implemented by `RerankQueue` of libs/platform). */
export interface RerankJobQueue {
  plan(input: RerankJobInputV1): Promise<PlannedRerankJob[]>;
  add(jobs: readonly PlannedRerankJob[]): Promise<EnqueuedRerankJob[]>;
  restore(input: RerankJobInputV1, jobs: readonly EnqueuedRerankJob[]): Promise<void>;
  unknownJobIds(jobIds: readonly string[]): Promise<Set<string>>;
  status(jobId: string): Promise<RerankJobStatus | undefined>;
}
