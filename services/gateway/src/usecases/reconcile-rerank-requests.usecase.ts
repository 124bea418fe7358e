import { DomainError, type ContextLogger, type EnqueuedRerankJob } from '@chorus/platform';
import type { RerankJobQueue, RerankRequestRecord, RerankRequestStore } from './rerank-requests.port';

const BATCH = 200;

/**
 * A request path that recorded a request and then died before enqueuing leaves it pending without an error; after
 * this long it is taken for dead and the reconciler enqueues the request. A live request path is done far sooner (a
 * Postgres read, an insert and one Redis round trip); were it not, both adding the same job ids is harmless.
 */
export const IN_FLIGHT_GRACE_MS = 30_000;

export interface ReconcileResult {
  /** Pending requests enqueued now. */
  enqueued: number;
  /** Enqueued requests whose jobs Redis had lost, added again. */
  restored: number;
}

/**
 * Makes Redis hold what `rerank_requests` says it should. Redis runs without persistence, so a restart loses every
 * job; Postgres still records each accepted operator request and its job ids. Each round:
 * 1. enqueues pending requests (recorded while Redis was down, or left by a request path that died);
 * 2. checks the jobs of requests enqueued within `horizonMs` (how long Redis keeps finished jobs,
 *    RERANK_KEEP_COMPLETED_SECONDS) against Redis, and adds again, with the same ids and data, those Redis no longer
 *    knows. A per-user job that had completed finds its stored list and does nothing; a fan-out expands again into
 *    the same deterministic per-user ids. Beyond the horizon an unknown job is one Redis removed after finishing it.
 *
 * Safe with several gateway instances: two reconcilers adding the same job ids add each job once (BullMQ ignores an
 * id it holds), and marking a row enqueued twice writes the same thing. A round is single-flight per instance.
 */
export class ReconcileRerankRequestsUseCase {
  private running: Promise<ReconcileResult> | undefined;

  constructor(
    private readonly queue: RerankJobQueue,
    private readonly requests: RerankRequestStore,
    private readonly log: ContextLogger,
  ) {}

  /** One round; a call during a round joins it. */
  reconcile(horizonMs: number, inFlightGraceMs = IN_FLIGHT_GRACE_MS): Promise<ReconcileResult> {
    this.running ??= this.round(horizonMs, inFlightGraceMs).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves once no round runs (shutdown waits for it before closing Redis and Postgres). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async round(horizonMs: number, inFlightGraceMs: number): Promise<ReconcileResult> {
    return { enqueued: await this.enqueuePending(inFlightGraceMs), restored: await this.restoreLost(horizonMs) };
  }

  private async enqueuePending(inFlightGraceMs: number): Promise<number> {
    let enqueued = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await this.requests.pending(inFlightGraceMs, BATCH, after);
      for (const row of rows) {
        if (!(await this.restore(row, row.jobs))) continue;
        await this.requests.markEnqueued(row.requestId, row.jobs);
        this.log.info('enqueued a pending rerank request', { requestId: row.requestId, jobIds: row.jobs.map((j) => j.jobId) });
        enqueued++;
      }
      if (rows.length < BATCH) return enqueued;
      after = rows.at(-1)!.requestId;
    }
  }

  /**
   * Adds `jobs` of `row` again; false if the queue refuses the recorded payload (a row no longer valid, e.g. recorded
   * under an older schema): that row is logged and skipped, so it cannot hold up the others. Queue faults throw.
   */
  private async restore(row: RerankRequestRecord, jobs: EnqueuedRerankJob[]): Promise<boolean> {
    try {
      await this.queue.restore(row.payload, jobs);
      return true;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.log.error('a recorded rerank request cannot be enqueued again; skipped', { requestId: row.requestId, code: error.code, error: error.message, issues: error.issues });
      return false;
    }
  }

  private async restoreLost(horizonMs: number): Promise<number> {
    let restored = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await this.requests.recentlyEnqueued(horizonMs, BATCH, after);
      if (rows.length === 0) return restored;
      const unknown = await this.queue.unknownJobIds(rows.flatMap((r) => r.jobs.map((j) => j.jobId)));
      for (const row of rows) {
        const lost = row.jobs.filter((job) => unknown.has(job.jobId));
        if (lost.length === 0 || !(await this.restore(row, lost))) continue;
        // Enqueued again now: the horizon counts from here, as Redis keeps these jobs from now on.
        await this.requests.markEnqueued(row.requestId, row.jobs);
        this.log.warn('rerank jobs lost by Redis (restarted without its data); added them again', { requestId: row.requestId, jobIds: lost.map((j) => j.jobId) });
        restored++;
      }
      if (rows.length < BATCH) return restored;
      after = rows.at(-1)!.requestId;
    }
  }
}
