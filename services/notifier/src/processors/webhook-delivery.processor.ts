import { parseWith, WEBHOOK_DELIVERY_JOB, WEBHOOK_DELIVERY_JOBS, WEBHOOK_DELIVERY_QUEUE, webhookDeliveryJobV1, type WebhookDeliveryJobV1 } from '@chorus/contracts';
import { classifyFailure, describeFailure, type ContextLogger } from '@chorus/platform';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job, type WorkerOptions } from 'bullmq';
import type { DeliverWebhookUseCase } from '../usecases/deliver-webhook.usecase';
import { jitterFraction, retryDelayMs, type RetryDelayOptions } from '../usecases/retry-delay';
import { DELIVERY_BACKOFF } from './webhook-delivery.queue';

/**
 * The worker's `settings` for `@Processor`: BullMQ asks it for the delay before each retry of a job whose backoff is
 * {@link DELIVERY_BACKOFF} (capped exponential with a jitter derived from the job id, see retry-delay.ts).
 */
export function deliveryBackoffSettings(backoff: RetryDelayOptions): NonNullable<WorkerOptions['settings']> {
  return {
    backoffStrategy: (attemptsMade: number, type?: string, _error?: Error, job?: { id?: string }) => {
      if (type !== DELIVERY_BACKOFF) throw new Error(`unknown backoff type "${type}"`);
      return retryDelayMs(attemptsMade, backoff, jitterFraction(job?.id ?? '', attemptsMade));
    },
  };
}

/**
 * The processor of the webhook-deliveries queue (`@nestjs/bullmq`: the module registers it with `@Processor`, Nest's
 * BullMQ explorer creates its Worker): validates the job payload and hands one attempt to the use case. A failed
 * attempt throws so BullMQ retries it after the capped exponential backoff; the last one (or one that can never
 * succeed) ends the job as failed, after the use case marked the delivery dead.
 */
export class WebhookDeliveryProcessor extends WorkerHost {
  /**
   * Job name → handler; checked at construction against the queue's job names (exactly one handler each). A Map: a
   * job name is untrusted, and "constructor" or "toString" must find nothing.
   */
  private readonly handlers = new Map<string, (job: Job<WebhookDeliveryJobV1>) => Promise<{ status: string }>>([
    [WEBHOOK_DELIVERY_JOB, (job) => this.deliverOnce(job)],
  ]);

  constructor(
    private readonly deliver: DeliverWebhookUseCase,
    private readonly log: ContextLogger,
  ) {
    super();
    const unhandled = WEBHOOK_DELIVERY_JOBS.filter((name) => !this.handlers.has(name));
    const unknown = [...this.handlers.keys()].filter((name) => !WEBHOOK_DELIVERY_JOBS.includes(name));
    if (unhandled.length > 0 || unknown.length > 0) {
      throw new Error(`the ${WEBHOOK_DELIVERY_QUEUE} worker must handle each job name exactly once (no handler: ${unhandled.join(', ') || '-'}; not a job of this queue: ${unknown.join(', ') || '-'})`);
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.log.error('delivery worker error', { error: error.message });
  }

  async process(job: Job<WebhookDeliveryJobV1>): Promise<{ status: string }> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`WEBHOOK.UNKNOWN_JOB: no handler for job "${job.name}" on ${WEBHOOK_DELIVERY_QUEUE}`);
    return handler(job);
  }

  private async deliverOnce(job: Job<WebhookDeliveryJobV1>): Promise<{ status: string }> {
    const parsed = parseWith(webhookDeliveryJobV1, job.data);
    if (!parsed.ok) {
      this.log.error('invalid delivery job payload', { jobId: job.id, issues: parsed.issues });
      throw new UnrecoverableError(`WEBHOOK.INVALID_JOB: invalid job payload: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    }
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const outcome = await this.deliver.attempt(parsed.value.deliveryId, attempt, maxAttempts, job.id ?? '').catch((error: unknown) => {
      // Postgres refusing a value of the payload fails this job now (retrying cannot fix it); faults are retried.
      if (classifyFailure(error) === 'message') throw new UnrecoverableError(`WEBHOOK.UNPROCESSABLE_JOB: ${describeFailure(error)}`);
      throw error;
    });
    if (outcome.status === 'retrying') throw new Error(outcome.error);
    if (outcome.status === 'dead') throw new UnrecoverableError(outcome.error);
    return { status: outcome.status };
  }
}
