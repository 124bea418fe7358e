import type { TopicKey } from '@chorus/contracts';
import type { Message } from 'kafkajs';
import { from, type Observable } from 'rxjs';
import { PRODUCE_REQUEST_MAX_BYTES, payloadBytes } from './bounded-send';
import { emitEvent, type EventClient } from './kafka-producer.client';

export interface CoalescingOptions {
  /** Emits merged into one produce request carry at most this many bytes of payload (one emit larger than it goes alone). */
  maxBytes?: number;
  /** Merged sends awaiting the broker at once; emits arriving meanwhile wait and go out together in the next one. */
  maxInFlight?: number;
  /**
   * An emit still queued after this long fails without being sent. Set it to the callers' own deadline: past it they
   * have given up (the gateway answered 503), and during a broker outage the queue would otherwise keep every refused
   * request's events until the broker answered again.
   */
  maxQueueMs?: number;
}

interface Pending {
  messages: readonly Message[];
  bytes: number;
  queuedAt: number;
  settle: (error?: unknown) => void;
}

/**
 * An `EventClient` that merges the emits of concurrent callers to one topic into one emit of the client below: the
 * gateway's concurrent `POST /v1/feedback` requests become one produce request instead of one each, so the producer
 * and the broker pay their per-request cost once per merged send (bench:gateway). No timer lingers: emits made in the
 * same turn of the event loop go out together at its end (`setImmediate`), and while `maxInFlight` merged sends await
 * the broker the rest queue and leave together as soon as one is acknowledged — a busy gateway merges more, an idle one
 * adds no latency.
 *
 * Each caller's emit still resolves only once the broker acknowledged its messages (acks = all, the client's), and
 * fails if the merged send it rode in failed: every caller is at-least-once (the gateway answers 503 and the client
 * resends with the same eventIds), so a merged failure asks more callers to resend, never loses an acknowledged
 * event. One emit's messages stay together and in order, so per-key order within an emit holds; emits of different
 * callers were concurrent and had no order between them.
 */
export class CoalescingEventClient implements EventClient {
  private readonly pending = new Map<TopicKey, Pending[]>();
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly maxQueueMs: number;
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly client: EventClient,
    options: CoalescingOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? PRODUCE_REQUEST_MAX_BYTES;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxQueueMs = options.maxQueueMs ?? Number.POSITIVE_INFINITY;
    if (!(Number.isInteger(this.maxInFlight) && this.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be an integer ≥ 1, got ${this.maxInFlight}`);
    if (!(this.maxBytes > 0)) throw new RangeError(`maxBytes must be > 0, got ${this.maxBytes}`);
  }

  emit(pattern: TopicKey, messages: readonly Message[]): Observable<unknown> {
    const acknowledged = new Promise<void>((resolve, reject) => {
      let bytes = 0;
      for (const message of messages) bytes += payloadBytes(message);
      const queue = this.pending.get(pattern);
      const entry: Pending = { messages, bytes, queuedAt: Date.now(), settle: (error) => (error === undefined ? resolve() : reject(error)) };
      if (queue) queue.push(entry);
      else this.pending.set(pattern, [entry]);
    });
    // A caller that never subscribes must not turn a failed send into an unhandled rejection.
    acknowledged.catch(() => undefined);
    this.schedule();
    // Emits are hot, as a ClientProxy's: the messages go out whether or not the caller subscribes.
    return from(acknowledged);
  }

  /** Flush at the end of this turn of the event loop, so every emit made in it can ride in the same send. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const staleBefore = Date.now() - this.maxQueueMs;
    for (const [pattern, queue] of this.pending) {
      // Oldest first: the stale ones are at the head.
      while (queue.length > 0 && queue[0]!.queuedAt < staleBefore) {
        queue.shift()!.settle(new Error(`not sent: it waited over ${this.maxQueueMs} ms behind sends the broker had not acknowledged`));
      }
      while (queue.length > 0 && this.inFlight < this.maxInFlight) {
        let bytes = queue[0]!.bytes;
        let count = 1;
        while (count < queue.length && bytes + queue[count]!.bytes <= this.maxBytes) bytes += queue[count++]!.bytes;
        this.send(pattern, queue.splice(0, count));
      }
      if (queue.length === 0) this.pending.delete(pattern);
    }
  }

  private send(pattern: TopicKey, batch: Pending[]): void {
    this.inFlight++;
    const messages = batch.length === 1 ? batch[0]!.messages : batch.flatMap((entry) => entry.messages);
    emitEvent(this.client, pattern, messages).then(
      () => this.done(batch),
      (error: unknown) => this.done(batch, error ?? new Error('the merged send failed')),
    );
  }

  private done(batch: Pending[], error?: unknown): void {
    this.inFlight--;
    for (const entry of batch) entry.settle(error);
    // What queued while the broker was busy leaves now, together.
    if (this.pending.size > 0) this.flush();
  }
}
