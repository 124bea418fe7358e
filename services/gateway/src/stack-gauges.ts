import { topicName } from '@chorus/contracts';
import type { Queue } from 'bullmq';
import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';

/** BullMQ states counted per queue (what "depth" means: waiting, delayed and prioritized jobs not yet started). */
const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;

/**
 * Gauges of things no single worker owns, read when Prometheus scrapes the gateway: the jobs of every queue by state
 * (rerank depth, webhook deliveries backlog) and the end offset of each feedback partition, which the learner's
 * committed offsets are subtracted from to give its lag. A failed read leaves the gauge empty for that scrape.
 */
export function registerStackGauges(registry: Registry, sources: { queues: Queue[]; admin: Admin; topicPrefix: string }): void {
  new Gauge({
    name: 'gateway_queue_jobs',
    help: 'Jobs per BullMQ queue and state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of sources.queues) {
        const counts = await queue.getJobCounts(...QUEUE_STATES).catch(() => undefined);
        for (const state of QUEUE_STATES) if (counts) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  const feedback = topicName('feedback', sources.topicPrefix);
  new Gauge({
    name: 'gateway_feedback_end_offset',
    help: 'End offset (next offset to be written) of each feedback partition, read at scrape time',
    labelNames: ['partition'],
    registers: [registry],
    async collect() {
      this.reset();
      const offsets = await sources.admin.fetchTopicOffsets(feedback).catch(() => []);
      for (const { partition, high } of offsets) this.set({ partition: String(partition) }, Number(high));
    },
  });
}
