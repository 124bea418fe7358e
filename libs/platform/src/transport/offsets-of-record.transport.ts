import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { classifyFailure, describeFailure } from '../failures/failure-class';
import { retryOnInfrastructure } from '../failures/infrastructure-retry';
import { sendDeadLetters } from '../kafka/bounded-send';
import { CoPartitionedAssigner } from '../kafka/co-partitioned.assigner';
import { CONSUMER_MAX_WAIT_MS } from '../kafka/kafka-client';
import { LogPositions } from '../kafka/log-positions';
import type { ContextLogger } from '../logging/json-logger';
import type { DeadLetterOutbox } from './dead-letter.outbox';
import { MissingHandlerError } from './missing-handler.error';
import type { CommittedOffset, OffsetsOfRecord, OffsetsOfRecordListener, TopicBatch } from './offsets-of-record.port';
import { PartitionFencedError } from './partition-fenced.error';

/**
 * Fences of one partition in a generation the transport recovers from while this member has not committed it since the
 * previous one: a previous owner's stale commits that land after this member's load (its write in flight at the
 * rebalance, then its release; one more for a release that recovers a failed commit). A partition fenced more often
 * with no commit of this member in between is being committed by a member that keeps it, not one letting go.
 */
export const STALE_FENCES_PER_PARTITION = 3;

export interface OffsetsOfRecordTransportOptions {
  /** Name for logs and errors ("learner feedback"). */
  name: string;
  kafka: Kafka;
  groupId: string;
  /** Subscription: handler pattern (`@EventPattern(key)`) → topic name. Every key must have a handler. */
  topics: Readonly<Record<string, string>>;
  /** Partition p of every subscribed topic to the same member (per-user state kept from several topics). */
  coPartitioned?: boolean;
  sessionTimeoutMs: number;
  offsetsOfRecord: OffsetsOfRecord;
  /** Where dead letters committed by the service wait, and the topic they are relayed to. */
  deadLetters: { outbox: DeadLetterOutbox; topic: string };
  log: ContextLogger;
  /** Called once when the consumer cannot go on; the default service behaviour is to exit and be restarted. */
  onFatal: (error: Error) => void;
  /** Base delay of the infrastructure retry (tests shorten it). */
  retryBaseMs?: number;
}

/**
 * A Nest microservice transport (`app.connectMicroservice({ strategy })`) for consumers whose offsets of record live in
 * Postgres, committed in one transaction with the state they produced. It owns the consumer group, seeks every assigned
 * partition to its Postgres offset on every group join, delivers whole batches to `@EventPattern` handlers, lets
 * Kafka's committed offsets follow Postgres, relays the dead-letter outbox, and drains on close.
 *
 * Why not Nest's ServerKafka: it runs kafkajs `eachMessage` (one message per handler call), has no hook to seek on a
 * group join, and with auto-commit on commits a message whose pattern has no handler (it only logs NO_EVENT_HANDLER).
 */
export class OffsetsOfRecordTransport extends Server implements CustomTransportStrategy, OffsetsOfRecordListener {
  private consumer?: Consumer;
  private producer?: Producer;
  /** Resolved at listen: topic name → its key and handler. */
  private routes = new Map<string, { key: string; handler: MessageHandler }>();
  /** The latest group join's adoption (release, seeks); batches wait for it. */
  private adoption: Promise<void> = Promise.resolve();
  /** `${topic}|${partition}` owned since the latest group join: Kafka commits for anything else are refused. */
  private owned = new Set<string>();
  private readonly positions = new LogPositions();
  /**
   * Partitions fenced since the latest group join (as the service names them: `7` or `topic[7]`): how many times, and
   * whether this member committed the partition after the latest one (see recoverFence).
   */
  private fencedSinceJoin = new Map<string, { fences: number; committedSince: boolean }>();
  /** True while the service lets go of its partitions at a group join: a fence then is expected (see adopt). */
  private releasing = false;
  /** The handler call in flight: a reload waits for it, so no batch fetched before the reload reaches the service after it. */
  private handling: Promise<unknown> = Promise.resolve();
  private relaying: Promise<void> = Promise.resolve();
  private closing = false;
  private failed = false;

  constructor(private readonly options: OffsetsOfRecordTransportOptions) {
    super();
  }

  /** Connects, relays letters a previous run left, subscribes and starts consuming; `callback(error)` refuses the boot. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.routes = this.resolveRoutes();
      const { kafka, groupId, sessionTimeoutMs } = this.options;
      this.options.offsetsOfRecord.attach(this);
      this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
      this.relaying = this.relayOutbox();
      await this.relaying;
      this.consumer = kafka.consumer({
        groupId,
        partitionAssigners: this.options.coPartitioned ? [CoPartitionedAssigner] : undefined,
        sessionTimeout: sessionTimeoutMs,
        heartbeatInterval: Math.floor(sessionTimeoutMs / 10),
        maxBytesPerPartition: 4 * 1024 * 1024,
        maxWaitTimeInMs: CONSUMER_MAX_WAIT_MS,
      });
      const consumer = this.consumer;
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.routes.keys()], fromBeginning: true });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        const assignment = event.payload.memberAssignment;
        this.options.log.info('joined consumer group', { assignment });
        this.adoption = this.adoption.then(() => this.adopt(assignment)).catch((error: Error) => this.fatal(error));
      });
      consumer.on(consumer.events.CRASH, (event) => {
        // kafkajs restarts the consumer itself after a retriable error; anything else leaves it dead in a live process.
        if (!event.payload.restart) this.fatal(event.payload.error);
      });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.deliver(payload) });
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * Graceful drain: stop fetching (the batch in flight is delivered first), let the service commit what it applied and
   * nothing more, relay the letters that commit wrote, and disconnect. Kafka's offsets are not committed here: the
   * member has left the group, and the next join seeks to Postgres's offsets anyway.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.consumer?.disconnect();
    if (this.consumer) await this.options.offsetsOfRecord.drain();
    await this.relaying;
    if (this.producer) {
      await this.relayOutbox();
      await this.producer.disconnect();
    }
  }

  /** Reported by the service after each Postgres commit: Kafka follows, for the partitions this member still owns. */
  committed(offsets: readonly CommittedOffset[], deadLetters: boolean): void {
    if (deadLetters) this.relaying = this.relaying.then(() => this.relayOutbox());
    if (this.closing || this.failed || offsets.length === 0 || !this.consumer) return;
    const owned = offsets.filter((o) => this.owned.has(`${o.topic}|${o.partition}`));
    if (owned.length < offsets.length) {
      this.options.log.warn('refused a Kafka commit for partitions this member no longer owns', {
        partitions: offsets.filter((o) => !owned.includes(o)).map((o) => `${o.topic}[${o.partition}]`),
      });
    }
    if (owned.length === 0) return;
    for (const o of owned) {
      for (const name of [String(o.partition), `${o.topic}[${o.partition}]`]) {
        const fenced = this.fencedSinceJoin.get(name);
        if (fenced) fenced.committedSince = true;
      }
    }
    this.consumer
      .commitOffsets(owned.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.nextOffset) })))
      .catch((error: Error) => this.options.log.warn('Kafka offset commit failed; Postgres holds the offsets of record', { error: error.message }));
  }

  /**
   * Stop consuming for good and report; a restart resumes from the offsets of record. A fence is recovered instead
   * while it can be a previous owner's stale commit (see recoverFence).
   */
  fatal(error: Error): void {
    if (this.failed || this.closing) return;
    if (error instanceof PartitionFencedError && this.recoverFence(error)) return;
    this.failed = true;
    this.options.log.error(`${this.options.name} consumer stopped on a fatal error`, { error: error.message, code: (error as { code?: unknown }).code });
    this.options.onFatal(error);
  }

  on(): never {
    throw new Error(`the ${this.options.name} transport has no events to listen to; its status is its consumer's`);
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /**
   * The rebalance race: a previous owner commits what it applied of a revoked partition when it gets to its own group
   * join, and kafkajs gives no hook to do it before rejoining, so that commit can land after this member loaded the
   * partition's offsets; this member's next commit is then fenced. Postgres is right and this member's memory is
   * stale: the service forgets everything uncommitted and every owned partition is sought to its stored offset again
   * (what the previous owner committed is skipped, the rest refetched and applied once). The previous owner can land
   * more than one commit after this member's load (its write in flight at the rebalance, then its release), each from
   * its stale view and each fencing this member once, so fences are not counted per generation alone: the first fence
   * of a partition in a generation is recovered (whatever its cause, a member that has not seen the rebalance yet
   * included), and so is a further one while this member has not committed the partition since the previous one, up
   * to STALE_FENCES_PER_PARTITION. A fence after this member reloaded the partition and committed it cannot be a
   * previous owner's: its commit is conditional on its own last one, which this member's commit replaced. That, or
   * fences without end, means another member keeps the partition now (a zombie, a deployment sharing the group id):
   * fatal, and a restart lets go of what this member held. A fence while the service is releasing its partitions at
   * a join is expected (it is letting go; what it keeps is reloaded next).
   */
  private recoverFence(error: PartitionFencedError): boolean {
    if (this.releasing) {
      this.options.log.info('a commit at a group join was fenced: another member owns the partition now; nothing is lost', { error: error.message });
      return true;
    }
    const partitions = error.partitions.map(String);
    const stale = (p: string) => {
      const fenced = this.fencedSinceJoin.get(p);
      return !fenced || (!fenced.committedSince && fenced.fences < STALE_FENCES_PER_PARTITION);
    };
    if (partitions.length === 0 || !partitions.every(stale)) return false;
    for (const p of partitions) this.fencedSinceJoin.set(p, { fences: (this.fencedSinceJoin.get(p)?.fences ?? 0) + 1, committedSince: false });
    this.options.log.warn('another member committed a partition since this one loaded it (a rebalance overlapping a commit); reloading from Postgres', { error: error.message });
    this.adoption = this.adoption.then(() => this.reload()).catch((e: Error) => this.fatal(e));
    return true;
  }

  /** After a fence: the service forgets what it held, and every owned partition starts again at its stored offset. */
  private async reload(): Promise<void> {
    await this.handling.catch(() => undefined);
    await this.options.offsetsOfRecord.reload();
    this.positions.clear();
    await this.seekToStored([...this.owned].map((key) => {
      const at = key.lastIndexOf('|');
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
    }));
  }

  /** Every subscribed key has a handler (a topic without one would be consumed by nobody): refused at boot otherwise. */
  private resolveRoutes(): Map<string, { key: string; handler: MessageHandler }> {
    const routes = new Map<string, { key: string; handler: MessageHandler }>();
    const missing: { key: string; topic: string }[] = [];
    for (const [key, topic] of Object.entries(this.options.topics)) {
      const handler = this.getHandlerByPattern(key);
      if (handler) routes.set(topic, { key, handler });
      else missing.push({ key, topic });
    }
    if (missing.length > 0) throw new MissingHandlerError(missing, this.options.name);
    return routes;
  }

  private async deliver({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0 || this.failed) return;
    // A batch fetched before the join's seek took effect comes from Kafka's offset: it is refetched from Postgres's.
    for (let adoption; adoption !== this.adoption; ) await (adoption = this.adoption);
    if (isStale() || this.failed) return;
    const route = this.routes.get(batch.topic)!;
    const missing = this.positions.advanceBatch(batch, this.options.log);
    const delivery: TopicBatch = { key: route.key, topic: batch.topic, partition: batch.partition, messages: batch.messages, missing, heartbeat };
    const handled = retryOnInfrastructure(() => this.invoke(route.handler, delivery), {
      what: `the ${route.key} handler`,
      log: this.options.log,
      baseMs: this.options.retryBaseMs,
      giveUp: (error) => error instanceof PartitionFencedError || this.closing || this.failed,
    });
    this.handling = handled;
    try {
      await handled;
    } catch (error) {
      this.fatal(
        classifyFailure(error) === 'message' && !(error instanceof PartitionFencedError)
          ? new Error(`the ${route.key} handler let a message's failure escape (${describeFailure(error)}); a handler dead-letters what it cannot apply`, { cause: error })
          : error instanceof Error
            ? error
            : new Error(String(error)),
      );
      return;
    }
    await heartbeat();
  }

  /** Runs a Nest handler (through its pipes, guards, interceptors and filters); a filtered exception arrives as an erroring Observable. */
  private async invoke(handler: MessageHandler, batch: TopicBatch): Promise<void> {
    const result: unknown = await handler(batch);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /**
   * After a group join: the service commits and forgets what it holds, then each assigned partition starts at its
   * offset of record in Postgres. Kafka's committed offsets only follow Postgres, and another member of the group (a
   * zombie, or a deployment sharing the group id) can have moved them past what this store holds: resuming from them
   * would silently skip events.
   */
  private async adopt(assignment: Record<string, number[]>): Promise<void> {
    this.releasing = true;
    try {
      await this.options.offsetsOfRecord.release();
    } finally {
      this.releasing = false;
    }
    this.positions.clear();
    this.owned.clear();
    this.fencedSinceJoin.clear();
    const owned = Object.entries(assignment).flatMap(([topic, partitions]) => (this.routes.has(topic) ? partitions.map((partition) => ({ topic, partition })) : []));
    for (const { topic, partition } of owned) this.owned.add(`${topic}|${partition}`);
    await this.seekToStored(owned);
  }

  private async seekToStored(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const retry = { what: 'adopting assigned partitions', log: this.options.log, baseMs: this.options.retryBaseMs, giveUp: () => this.closing };
    for (const { topic, partition } of partitions) {
      const stored = await retryOnInfrastructure(() => this.options.offsetsOfRecord.storedNextOffset(topic, partition), retry);
      this.positions.start(topic, partition, stored);
      this.consumer!.seek({ topic, partition, offset: String(stored) });
    }
  }

  /** Publish committed dead letters, then delete them: at least once, in offset order per partition. */
  private async relayOutbox(): Promise<void> {
    const { outbox, topic } = this.options.deadLetters;
    try {
      for (;;) {
        const rows = await outbox.pending();
        if (rows.length === 0) return;
        await sendDeadLetters(this.producer!, topic, rows.map(({ letter }) => letter));
        for (const { letter } of rows) {
          this.options.log.warn('dead-lettered message', { code: letter.code, reason: letter.reason, topic: letter.source.topic, partition: letter.source.partition, offset: letter.source.offset });
        }
        await outbox.delete(rows.map((r) => r.id));
      }
    } catch (error) {
      // Left in the outbox: the next commit, or the next start, relays them.
      this.options.log.error('dead-letter relay failed; will retry', { error: describeFailure(error) });
    }
  }
}
