import { topicName, TOPICS, type TopicKey } from '@chorus/contracts';
import { ClientProxy, ClientsModule, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { DynamicModule } from '@nestjs/common';
import { Partitioners, type Message, type Producer } from 'kafkajs';
import { lastValueFrom, type Observable } from 'rxjs';
import type { JsonLogger } from '../logging/json-logger';
import { sendBounded } from './bounded-send';
import { createKafka } from './kafka-client';

export interface KafkaProducerClientOptions {
  /** kafkajs client id (the service's name and an instance suffix). */
  clientId: string;
  brokers: string[];
  /** The deployment's topic prefix: `emit('feedback', …)` writes to `<prefix>chorus.feedback.v1`. */
  prefix: string;
  logger?: JsonLogger;
}

/** What a use case needs of the producer client: `emit(topic key, messages)`, an Observable that completes once acknowledged. */
export interface EventClient {
  emit(pattern: TopicKey, messages: readonly Message[]): Observable<unknown>;
}

/**
 * The producer side of `@nestjs/microservices` over one kafkajs producer: a `ClientProxy`, so services emit events as
 * a Nest user expects (`client.emit('feedback', messages)`), with the patterns the offsets-of-record transport's
 * handlers subscribe to (the keys of `TOPICS`; the prefix is the client's). Ours rather than Nest's `ClientKafka`,
 * whose `dispatchEvent` (client/client-kafka.js in @nestjs/microservices 11.2.6) sends each `emit` as one produce
 * request holding one message: the gateway's batch of up to 1,000 events is accepted only once the broker
 * acknowledged all of them, and 1,000 requests per batch would cost what bench:gateway measures the route for. Here
 * one `emit` carries a topic's messages and goes out in as few requests as `sendBounded` allows (each under the
 * broker's size limit, in order, so per-key order holds), acks = all (kafkajs's default), with Kafka's murmur2
 * partitioner as every Chorus producer. Request-response (`send`) has no place on an event log and is refused.
 *
 * Register it with `producerClientModule(token, options)` (Nest's `ClientsModule`, which closes it on shutdown) and
 * inject it with `@Inject(token)`; `connect()` is idempotent, and a service that must not take work before the
 * producer is up awaits it in its lifecycle.
 */
export class KafkaProducerClient extends ClientProxy {
  private readonly producer: Producer;
  private readonly prefix: string;
  private connecting?: Promise<Producer>;

  constructor(options: KafkaProducerClientOptions) {
    super();
    this.prefix = options.prefix;
    const kafka = createKafka(options.clientId, options.brokers, options.logger);
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<Producer> {
    this.connecting ??= this.producer.connect().then(
      () => {
        this._status$.next('connected');
        return this.producer;
      },
      (error: unknown) => {
        // The next emit tries again (kafkajs has already retried with backoff).
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    await this.producer.disconnect();
    this._status$.next('disconnected');
  }

  unwrap<T>(): T {
    return this.producer as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error(`KafkaProducerClient only emits events; "${String(packet.pattern)}" was sent as a request. Use emit(pattern, messages)`), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T>(packet: ReadPacket<readonly Message[]>): Promise<T> {
    const { pattern, data } = packet;
    if (typeof pattern !== 'string' || !Object.hasOwn(TOPICS, pattern)) {
      throw new Error(`no topic for the pattern ${JSON.stringify(pattern)}; emit to one of ${Object.keys(TOPICS).join(', ')}`);
    }
    if (!Array.isArray(data)) throw new Error(`emit('${pattern}', messages) takes an array of kafkajs messages`);
    await sendBounded(this.producer, topicName(pattern as TopicKey, this.prefix), data);
    return undefined as T;
  }
}

/** `ClientsModule.register` of one `KafkaProducerClient` under `token` (closed by Nest on application shutdown). */
export function producerClientModule(token: string | symbol, options: KafkaProducerClientOptions): DynamicModule {
  return ClientsModule.register([{ name: token, customClass: KafkaProducerClient, options }]);
}

/** Emits the messages to the topic of `pattern`; resolves once the broker acknowledged them all. */
export async function emitEvent(client: EventClient, pattern: TopicKey, messages: readonly Message[]): Promise<void> {
  await lastValueFrom(client.emit(pattern, messages), { defaultValue: undefined });
}
