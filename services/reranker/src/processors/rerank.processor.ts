import { CalibrationInputError } from '@chorus/calibration';
import { parseWith, rerankBatchJobV1, rerankJobV1 } from '@chorus/contracts';
import { classifyFailure, describeFailure, RERANK_JOB, type ContextLogger, type RerankJobName } from '@chorus/platform';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { z } from 'zod';
import type { CalibrateBatchUseCase } from '../usecases/calibrate-batch.usecase';
import type { CalibrateUserUseCase } from '../usecases/calibrate-user.usecase';
import type { FanOutRerankUseCase } from '../usecases/fan-out-rerank.usecase';

/** The worker's settings from the config; `@Processor` takes them when the module builds the processor (see `rerankProcessorProvider`). */
export interface RerankWorkerOptions {
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** What processing reads of a BullMQ job (a Job in production). */
export type RerankJobHandle = Pick<Job, 'id' | 'name' | 'data' | 'updateProgress'>;

/** A job name's handler: it validates the payload with the name's schema (see {@link payloadOf}) and runs the use case. */
type Handler = (job: RerankJobHandle) => Promise<unknown>;

/**
 * The processor of the `rerank` queue (`@nestjs/bullmq`: the module registers it with `@Processor`, Nest's BullMQ
 * explorer creates its Worker). Each job name has exactly one handler (checked at construction). Payloads
 * are validated with the v1 schema; a malformed payload, an unknown job name, input the calibration library refuses,
 * or a value Postgres refuses (classifyFailure) fails the job at once (UnrecoverableError — retrying cannot fix it)
 * with the reason. Anything else (Postgres,
 * Kafka, Redis faults) is retried with the queue's exponential backoff.
 *
 * A worker that dies mid-job stops renewing the job's lock; after RERANK_LOCK_DURATION_MS another (or the restarted)
 * worker's stalled-job check moves it back to waiting and it runs again — the use case makes that second run store
 * nothing twice.
 */
export class RerankProcessor extends WorkerHost {
  /** Job name → handler. A Map: a job name is untrusted, and "constructor" or "toString" must find nothing. */
  private readonly handlers: Map<string, Handler>;
  private readonly metrics;

  constructor(
    calibrate: CalibrateUserUseCase,
    fanOut: FanOutRerankUseCase,
    calibrateBatch: CalibrateBatchUseCase,
    private readonly log: ContextLogger,
    registry: Registry,
    /** RERANK_JOB_DELAY_MS: a pause between computing and storing a list (test and demo hook; 0 in production). */
    private readonly delayBeforeStoreMs = 0,
  ) {
    super();
    const handlers: Record<RerankJobName, Handler> = {
      [RERANK_JOB.user]: async (job) => {
        const payload = payloadOf(rerankJobV1, job);
        if (payload.scope !== 'user' || payload.userIds!.length !== 1) {
          throw new UnrecoverableError(
            `RERANK.INVALID_JOB: a "${RERANK_JOB.user}" job reranks exactly one user (scope "user", one userId); got scope "${payload.scope}" with ${payload.userIds?.length ?? 0} users. Enqueue through RerankQueue.enqueue, which fans out.`,
          );
        }
        return calibrate.execute(job.id!, payload, async (computed) => {
          // Progress is visible in the dashboard and the status API; it also lets a test see a job that is mid-way.
          await job.updateProgress({ stage: 'computed', ...computed });
          if (this.delayBeforeStoreMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayBeforeStoreMs));
        });
      },
      [RERANK_JOB.fanOut]: (job) => fanOut.execute(payloadOf(rerankJobV1, job)),
      [RERANK_JOB.batch]: async (job) => {
        const result = await calibrateBatch.execute(payloadOf(rerankBatchJobV1, job), async (computed) => {
          await job.updateProgress({ stage: 'computed', ...computed });
          if (this.delayBeforeStoreMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayBeforeStoreMs));
        });
        // A user whose own data failed does not fail the others: the batch completes and names them.
        for (const { userId, error } of result.failed) this.log.warn('rerank of one user of a batch failed on its data', { jobId: job.id, userId, error });
        return result;
      },
    };
    assertOneHandlerPerJobName(handlers);
    this.handlers = new Map(Object.entries(handlers));
    this.metrics = {
      jobs: new Counter({ name: 'reranker_jobs_total', help: 'Rerank jobs by name and outcome', labelNames: ['name', 'outcome'], registers: [registry] }),
      seconds: new Histogram({
        name: 'reranker_job_seconds',
        help: 'Time to process one rerank job',
        labelNames: ['name'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers: [registry],
      }),
    };
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.log.warn('rerank job failed', { jobId: job?.id, name: job?.name, attemptsMade: job?.attemptsMade, error: error.message });
  }

  @OnWorkerEvent('stalled')
  onStalled(jobId: string): void {
    this.log.warn('rerank job stalled (its worker died or blocked); it will run again', { jobId });
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.log.error('rerank worker error', { error: error.message });
  }

  async process(job: RerankJobHandle): Promise<unknown> {
    const stop = this.metrics.seconds.startTimer({ name: job.name });
    const handler = this.handlers.get(job.name);
    try {
      if (!handler) {
        throw new UnrecoverableError(`RERANK.UNKNOWN_JOB: no handler for job name "${job.name}"; known names: ${[...this.handlers.keys()].join(', ')}`);
      }
      const result = await handler(job).catch((error: unknown) => {
        // The library refuses the input deterministically: another attempt would refuse it again.
        if (error instanceof CalibrationInputError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
        // So does Postgres refusing a value of the payload (see classifyFailure); infrastructure faults are retried.
        if (classifyFailure(error) === 'message') throw new UnrecoverableError(`RERANK.UNPROCESSABLE: ${describeFailure(error)}`);
        throw error;
      });
      const outcome = (result as { outcome?: string; failed?: unknown[] }).outcome === 'batch' ? ((result as { failed: unknown[] }).failed.length > 0 ? 'partial' : 'completed') : (result as { outcome?: string }).outcome;
      this.metrics.jobs.inc({ name: job.name, outcome: outcome ?? 'completed' });
      this.log.debug('rerank job done', { jobId: job.id, name: job.name });
      return result;
    } catch (error) {
      this.metrics.jobs.inc({ name: job.name, outcome: error instanceof UnrecoverableError ? 'unrecoverable' : 'error' });
      throw error;
    } finally {
      stop();
    }
  }
}

/** The job's payload by the schema of its name, or an unrecoverable failure naming each invalid field. */
function payloadOf<S extends z.ZodType>(schema: S, job: RerankJobHandle): z.output<S> {
  const parsed = parseWith(schema, job.data);
  if (!parsed.ok) {
    throw new UnrecoverableError(`RERANK.INVALID_JOB: the payload is not a valid rerank job v1: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
  return parsed.value;
}

/** Immich's startup rule: every job name the queue can carry has exactly one handler, and no handler is orphaned. */
export function assertOneHandlerPerJobName(handlers: Record<string, unknown>): void {
  const names = Object.values(RERANK_JOB) as string[];
  const missing = names.filter((name) => typeof handlers[name] !== 'function');
  const orphaned = Object.keys(handlers).filter((name) => !names.includes(name));
  if (missing.length > 0 || orphaned.length > 0) {
    throw new Error(`rerank job handlers out of sync with RERANK_JOB: missing ${missing.join(', ') || 'none'}, orphaned ${orphaned.join(', ') || 'none'}`);
  }
}
