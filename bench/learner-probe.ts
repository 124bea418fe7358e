import type { CommittedOffset, OffsetsOfRecordListener, TopicBatch } from '@chorus/platform';
import type { FeedbackIngestService } from '../services/learner/src/consumers/feedback-ingest.service';

/** What a benchmark observes of a learner: when its first batch arrived, and the offsets committed to Postgres. */
export interface LearnerProbe {
  /** When the first batch was handed to the learner (hrtime ns) and the process's CPU use then: measurements exclude start-up. */
  firstBatchAt?: bigint;
  firstBatchCpu?: NodeJS.CpuUsage;
  /** Events committed so far, summed over partitions (the learner's group starts at offset 0 of a fresh topic). */
  committedEvents(): number;
  /** Resolves once at least `events` are committed. */
  committed(events: number): Promise<void>;
}

/**
 * Observes a learner's FeedbackIngestService from outside, so the production class carries no benchmark hook: wraps
 * this instance's `apply` (the first batch's time and CPU) and the listener the transport attaches (each commit's
 * offsets, passed on unchanged). Install it after `NestFactory.create` and before the transport starts.
 */
export function probeLearner(ingest: FeedbackIngestService): LearnerProbe {
  const next = new Map<number, number>();
  const waiters: { events: number; resolve: () => void }[] = [];
  const committedEvents = () => [...next.values()].reduce((sum, offset) => sum + offset, 0);
  const probe: LearnerProbe = {
    committedEvents,
    committed: (events) => new Promise((resolve) => (committedEvents() >= events ? resolve() : waiters.push({ events, resolve }))),
  };
  const apply = ingest.apply.bind(ingest);
  ingest.apply = (batch: TopicBatch) => {
    if (probe.firstBatchAt === undefined) {
      probe.firstBatchAt = process.hrtime.bigint();
      probe.firstBatchCpu = process.cpuUsage();
    }
    return apply(batch);
  };
  const attach = ingest.attach.bind(ingest);
  ingest.attach = (transport: OffsetsOfRecordListener) =>
    attach({
      committed: (offsets: readonly CommittedOffset[], deadLetters: boolean) => {
        transport.committed(offsets, deadLetters);
        for (const o of offsets) next.set(o.partition, o.nextOffset);
        const total = committedEvents();
        for (const waiter of waiters.filter((w) => total >= w.events)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      },
      fatal: (error: Error) => transport.fatal(error),
    });
  return probe;
}
