import { topicName } from '@chorus/contracts';
import { CONSUMER_MAX_WAIT_MS, isolatePoison, retryOnInfrastructure, sendDeadLetters, type ContextLogger } from '@chorus/platform';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { Counter } from 'prom-client';
import type { AlertMessage, RecordAlertsUseCase, RecordOutcome } from '../usecases/record-alerts.usecase';

const CHUNK = 500;

/**
 * Consumes chorus.drift-alerts.v1 in the notifier's consumer group. Each chunk of a batch is stored (alerts +
 * deliveries, one transaction) and dispatched before its offsets are resolved, and Kafka commits only resolved
 * offsets: a crash replays the uncommitted tail, and the replay is a no-op because alerts are unique by alertId and
 * deliveries are created only with an alert's first insert. (That idempotence is why, unlike the learner, the
 * notifier needs no offsets of record in Postgres.) Invalid alerts go to chorus.notifier.dlq.v1 and are skipped.
 *
 * No single message stops it: when storing a chunk fails because of a message (a value Postgres refuses), the chunk
 * is stored again in halves until that message is alone, and it is dead-lettered (ALERT.UNSTORABLE); replaying the
 * others is a no-op for those already stored. Infrastructure failures are retried with capped exponential backoff.
 */
export class DriftAlertConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly dlqTopic: string;
  private stopped = false;

  constructor(
    kafka: Kafka,
    options: { prefix: string; groupId: string; sessionTimeoutMs: number },
    private readonly usecase: RecordAlertsUseCase,
    private readonly log: ContextLogger,
    private readonly messages: Counter<'outcome'>,
    private readonly onFatal: (error: Error) => void,
  ) {
    this.topic = topicName('driftAlerts', options.prefix);
    this.dlqTopic = topicName('notifierDlq', options.prefix);
    this.consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: Math.floor(options.sessionTimeoutMs / 10), maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    // From the beginning on the group's first start: alerts raised before the notifier was deployed are stored too
    // (the stream can replay them); they match only subscriptions that exist when they are stored.
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.stopped) this.onFatal(event.payload.error);
    });
    await this.consumer.run({ eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    for (let i = 0; i < batch.messages.length; i += CHUNK) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(i, i + CHUNK);
      const messages = chunk.map((m) => ({ partition: batch.partition, offset: m.offset, key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? null }));
      const outcome = await retryOnInfrastructure(() => this.store(messages), {
        what: 'storing drift alerts',
        log: this.log,
        // A rebalance took the partition: the new owner stores the chunk (a replay is a no-op).
        giveUp: () => !isRunning() || isStale(),
      });
      if (outcome.deadLetters.length > 0) {
        await sendDeadLetters(this.producer, this.dlqTopic, outcome.deadLetters);
        for (const letter of outcome.deadLetters) {
          this.log.warn('dead-lettered drift alert', { code: letter.code, partition: letter.source.partition, offset: letter.source.offset, issues: letter.issues });
        }
      }
      this.messages.inc({ outcome: 'stored' }, outcome.stored);
      this.messages.inc({ outcome: 'duplicate' }, outcome.duplicates);
      this.messages.inc({ outcome: 'dead_lettered' }, outcome.deadLetters.length);
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await heartbeat();
    }
  }

  /** Store a chunk, isolating any message Postgres refuses (isolatePoison); each attempt is one transaction. */
  private async store(messages: AlertMessage[]): Promise<{ stored: number; duplicates: number; deadLetters: RecordOutcome['deadLetters'] }> {
    const total = { stored: 0, duplicates: 0, deadLetters: [] as RecordOutcome['deadLetters'] };
    await isolatePoison(messages, {
      attempt: async (group) => {
        const outcome = await this.usecase.record([...group]);
        total.stored += outcome.stored.length;
        total.duplicates += outcome.duplicates;
        total.deadLetters.push(...outcome.deadLetters);
      },
      quarantine: async (message, error) => void total.deadLetters.push(this.usecase.unstorable(message, error)),
    });
    total.deadLetters.sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
    return total;
  }
}
