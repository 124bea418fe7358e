import type { ContextLogger } from '@chorus/platform';
import type { DeliveryJobRef } from '../processors/webhook-delivery.queue';
import type { DeliveriesPort, DeliveryQueuePort } from './ports';

/**
 * Hands committed deliveries to the queue, then marks them enqueued. The delivery rows are the outbox: a crash after
 * the Postgres commit and before (or during) the enqueue leaves rows with `enqueued_at` NULL, and {@link sweep} —
 * run periodically by the consumer role — enqueues them. Deterministic job ids make a double enqueue harmless.
 *
 * Redis runs without persistence, so a Redis restart loses every job, including those of deliveries still pending or
 * retrying. Each sweep first checks those deliveries' jobs against Redis and puts the ones Redis no longer knows back
 * in the outbox, so a lost delivery is enqueued again by the same sweep.
 */
export class DispatchDeliveriesUseCase {
  private sweeping = false;

  constructor(
    private readonly queue: DeliveryQueuePort,
    private readonly deliveries: DeliveriesPort,
    private readonly log: ContextLogger,
  ) {}

  async dispatch(jobs: DeliveryJobRef[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.enqueue(jobs);
    await this.deliveries.markEnqueued(jobs.map((j) => j.deliveryId));
  }

  /** Enqueue deliveries committed more than `graceMs` ago that never reached the queue; returns how many. */
  async sweep(graceMs: number): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      await this.reconcile();
      let total = 0;
      for (;;) {
        const stranded = await this.deliveries.unenqueued(graceMs, 500);
        if (stranded.length === 0) return total;
        await this.dispatch(stranded.map((d) => ({ deliveryId: d.id, jobId: d.jobId })));
        total += stranded.length;
        this.log.warn('enqueued deliveries left behind by an interrupted dispatch', { count: stranded.length, jobIds: stranded.slice(0, 10).map((d) => d.jobId) });
      }
    } finally {
      this.sweeping = false;
    }
  }

  /** Open deliveries whose job Redis lost go back in the outbox; returns how many. */
  private async reconcile(): Promise<number> {
    let lost = 0;
    let after: string | undefined;
    for (;;) {
      const open = await this.deliveries.enqueuedOpen(1000, after);
      if (open.length === 0) return lost;
      const unknown = await this.queue.unknownJobs(open.map((d) => d.jobId));
      const gone = open.filter((d) => unknown.has(d.jobId));
      if (gone.length > 0) {
        await this.deliveries.markUnenqueued(gone.map((d) => d.id));
        this.log.warn('delivery jobs lost by Redis; enqueuing them again', { count: gone.length, jobIds: gone.slice(0, 10).map((d) => d.jobId) });
      }
      lost += gone.length;
      after = open.at(-1)!.id;
      if (open.length < 1000) return lost;
    }
  }
}
