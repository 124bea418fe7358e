import { WEBHOOK_DELIVERY_JOB, WEBHOOK_DELIVERY_QUEUE, type WebhookDeliveryJobV1 } from '@chorus/contracts';
import { jobsUnknownToQueue } from '@chorus/platform';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The custom backoff type the worker computes (capped exponential with jitter, see retry-delay.ts). */
export const DELIVERY_BACKOFF = 'chorus-capped-exponential';

export interface DeliveryJobRef {
  deliveryId: string;
  /** Deterministic: `alert.<subscriptionId>.<alertId>` or `ping.<deliveryId>`. */
  jobId: string;
}

/**
 * The producer side of the webhook-deliveries queue. A job's id is the delivery's deterministic job id, so adding it
 * again while it exists (waiting, delayed, active, or kept after completion) is a no-op in BullMQ.
 */
export class WebhookDeliveryQueue {
  readonly queue: Queue<WebhookDeliveryJobV1>;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly maxAttempts: number,
  ) {
    this.queue = new Queue<WebhookDeliveryJobV1>(WEBHOOK_DELIVERY_QUEUE, { connection, prefix });
  }

  async enqueue(jobs: DeliveryJobRef[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 500) {
      await this.queue.addBulk(
        jobs.slice(i, i + 500).map((job) => ({
          name: WEBHOOK_DELIVERY_JOB,
          data: { deliveryId: job.deliveryId },
          opts: {
            jobId: job.jobId,
            attempts: this.maxAttempts,
            backoff: { type: DELIVERY_BACKOFF },
            // Kept a day after completion: re-adding the same job id (an outbox sweep racing the consumer) stays a no-op.
            removeOnComplete: { age: 24 * 3600, count: 100_000 },
            removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
          },
        })),
      );
    }
  }

  /** The job ids Redis does not hold (it lost them in a restart, or they never were enqueued). */
  unknownJobs(jobIds: readonly string[]): Promise<Set<string>> {
    return jobsUnknownToQueue(this.queue, jobIds);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
