import { randomUUID } from 'node:crypto';
import { topicName } from '@chorus/contracts';
import { CatalogueChanges, type ContextLogger, createKafka, ensureTopics, type JsonLogger, type Probe, probes, RerankQueue, RetentionSweeper } from '@chorus/platform';
import { ModelPriors, RewardModelsRepository } from '@chorus/scoring';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { Counter, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DriftInputConsumer } from './consumers/drift-input.consumer';
import type { DriftWatchConfig } from './drift-watch.config';
import { AlertOutboxRepository } from './persistence/alert-outbox.repository';
import { CatalogueRepository } from './persistence/catalogue.repository';
import { DetectorConfigRepository } from './persistence/detector-config.repository';
import { DriftSegmentRepository } from './persistence/drift-segment.repository';
import { DriftStateRepository } from './persistence/drift-state.repository';
import { driftRetentionPolicies } from './persistence/retention.policy';
import { UserModelRepository } from './persistence/user-model.repository';
import { AlertOutbox } from './usecases/alert-outbox';
import { DetectorConfigs } from './engine/detector-configs';
import { DriftEngine, type DriftObserver } from './engine/drift-engine';
import { DriftSegments } from './engine/drift-segments';
import { DriftState } from './engine/drift-state';
import { ItemCatalogue } from './engine/item-catalogue';
import { ObserveEventsUseCase } from './usecases/observe-events.usecase';

/** Wires drift-watch's parts; the Nest module, tests and benchmarks all start it through this. */
export class DriftWatchRuntime {
  readonly kafka: Kafka;
  readonly admin: Admin;
  private readonly producer: Producer;
  readonly input: DriftInputConsumer;
  readonly configs = new DetectorConfigs();
  readonly segments = new DriftSegments();
  readonly state: DriftState;
  readonly rerank: RerankQueue | undefined;
  readonly redisProbe: Probe | undefined;
  /** Deletes alerts and series points older than their retention (DRIFT_*_RETENTION_DAYS). */
  readonly retention: RetentionSweeper;
  private readonly outbox: AlertOutbox;
  private readonly catalogueChanges: CatalogueChanges;
  private readonly configRepository: DetectorConfigRepository;
  private readonly segmentRepository: DriftSegmentRepository;
  private readonly log: ContextLogger;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly config: DriftWatchConfig,
    readonly db: DataSource,
    logger: JsonLogger,
    registry: Registry,
    onFatal: (error: Error) => void,
  ) {
    this.log = logger.child('drift-watch');
    this.kafka = createKafka(`chorus-drift-watch-${randomUUID().slice(0, 8)}`, config.KAFKA_BROKERS, logger);
    this.admin = this.kafka.admin();
    // Kafka's own murmur2 partitioner, as every Chorus producer: dead letters and alerts land where keyed consumers expect.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const priors = new ModelPriors(config);
    const catalogue = new ItemCatalogue();
    this.state = new DriftState({
      maxResidentUsers: config.DRIFT_MAX_RESIDENT_USERS,
      halfLife: config.DRIFT_USER_HALF_LIFE_EVENTS,
      polarizationAlpha: config.DRIFT_POLARIZATION_ALPHA,
      panelPool: Math.min(4096, Math.max(64, 2 * config.DRIFT_HOMOGENIZATION_PAIRS)),
    });
    const detections = new Counter({ name: 'drift_watch_detections_total', help: 'Detector drifts by outcome: alert (harmful), expected (not harmful in the domain), unwatched (other direction)', labelNames: ['scope', 'metric', 'domain', 'outcome'], registers: [registry] });
    const late = new Counter({ name: 'drift_watch_late_events_total', help: 'Events whose time bucket had already closed (counted for the user, not the population)', labelNames: ['domain'], registers: [registry] });
    const observer: DriftObserver = {
      detection: (scope, metric, domain, outcome) => detections.inc({ scope, metric, domain, outcome }),
      late: (domain) => late.inc({ domain }),
    };
    const engine = new DriftEngine(this.state, catalogue, this.configs, this.segments, {
      minEvents: config.DRIFT_USER_MIN_EVENTS,
      bucketMs: config.DRIFT_BUCKET_SECONDS * 1000,
      latenessMs: config.DRIFT_BUCKET_LATENESS_SECONDS * 1000,
      homogenizationPairs: config.DRIFT_HOMOGENIZATION_PAIRS,
      polarizationMinUsers: config.DRIFT_POLARIZATION_MIN_USERS,
      segmentMinUsers: config.DRIFT_SEGMENT_MIN_USERS,
      maxInputSkewMs: config.DRIFT_INPUT_MAX_SKEW_SECONDS * 1000,
      dedupeWindow: 64,
      rerank: config.DRIFT_RERANK_ENABLED,
    }, observer);
    const repository = new DriftStateRepository(db, config.DRIFT_GROUP_ID, config.DRIFT_ALERT_COOLDOWN_SECONDS * 1000);
    this.configRepository = new DetectorConfigRepository(db);
    this.segmentRepository = new DriftSegmentRepository(db);
    const usecase = new ObserveEventsUseCase(
      this.state,
      engine,
      catalogue,
      { catalogue: new CatalogueRepository(db), state: repository, models: new UserModelRepository(db) },
      {
        topics: { feedback: topicName('feedback', config.KAFKA_TOPIC_PREFIX), exposures: topicName('exposures', config.KAFKA_TOPIC_PREFIX) },
        consumer: config.DRIFT_GROUP_ID,
        minEvents: config.DRIFT_USER_MIN_EVENTS,
        modelRefreshEvents: config.DRIFT_MODEL_REFRESH_EVENTS,
        modelRetryMs: config.DRIFT_MODEL_RETRY_MS,
        // The gateway's rule (GET /v1/users/:id/model): a learned τ² moves, and each row says which one it was learned under.
        tau: (domain, learnedUnder) => priors.fixedTau2(domain) ?? learnedUnder ?? priors.tau2(domain),
        merge: { idleMs: config.DRIFT_MERGE_IDLE_MS, maxHoldMs: config.DRIFT_INPUT_MAX_SKEW_SECONDS * 1000 },
      },
    );
    if (config.DRIFT_RERANK_ENABLED) {
      const rerank = RerankQueue.fromConfig(config, new RewardModelsRepository(db));
      this.rerank = rerank;
      this.redisProbe = async () => {
        await rerank.queue.getJobCounts('waiting');
      };
    }
    this.outbox = new AlertOutbox(new AlertOutboxRepository(db), this.producer, this.rerank, this.segmentRepository, config.KAFKA_TOPIC_PREFIX, logger.child('alert-outbox'));
    this.input = new DriftInputConsumer(config, this.state, usecase, repository, this.outbox, logger.child('drift-input-consumer'), registry, onFatal);
    // An item whose categories or stance change is re-read on its next use (and the domain's vocabulary with it).
    this.catalogueChanges = new CatalogueChanges(this.kafka, topicName('items', config.KAFKA_TOPIC_PREFIX), 'chorus-drift-watch-catalogue', (itemIds) => {
      for (const itemId of itemIds) catalogue.evict(itemId);
    });
    this.retention = new RetentionSweeper(driftRetentionPolicies(db, config), {
      intervalMs: config.DRIFT_RETENTION_INTERVAL_MS,
      batchSize: config.DRIFT_RETENTION_BATCH_SIZE,
      log: logger.child('retention'),
      registry,
      metric: 'drift_watch_retention_deleted_rows_total',
    });
  }

  healthProbes(): Record<string, Probe> {
    return { kafka: probes.kafka(this.admin), postgres: probes.postgres(this.db), ...(this.redisProbe ? { redis: this.redisProbe } : {}) };
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, { partitions: this.config.FEEDBACK_PARTITIONS, prefix: this.config.KAFKA_TOPIC_PREFIX });
    await this.reloadConfigs(true);
    await this.reloadSegments(true);
    await this.producer.connect();
    await this.catalogueChanges.start();
    // Batches come from the offsets-of-record transport, started after this (see main.ts).
    this.input.start();
    // Alerts committed by a previous run but not yet published (a crash between commit and send) go out now.
    void this.outbox.drain();
    const reconcile = () =>
      void this.outbox.reconcileReranks(this.config.RERANK_KEEP_COMPLETED_SECONDS * 1000).catch((error: Error) => this.log.warn('checking rerank jobs against Redis failed; the next check retries', { error: error.message }));
    reconcile();
    // At once when Redis comes back, besides the periodic check.
    this.rerank?.onReconnect(reconcile);
    this.retention.start();
    this.timers = [
      setInterval(() => void this.reloadConfigs(false).catch((error: Error) => this.log.warn('reading the detector configuration failed; keeping the current one', { error: error.message })), this.config.DRIFT_CONFIG_POLL_MS),
      setInterval(() => void this.reloadSegments(false).catch((error: Error) => this.log.warn('reading the drift segments failed; keeping the current ones', { error: error.message })), this.config.DRIFT_CONFIG_POLL_MS),
      setInterval(() => void this.outbox.drain(), this.config.DRIFT_OUTBOX_INTERVAL_MS),
      setInterval(reconcile, this.config.DRIFT_RERANK_RECONCILE_MS),
    ];
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.retention.stop();
    // The transport has drained the input by now (Nest closes microservices before the shutdown hooks).
    await this.outbox.drain();
    await this.producer.disconnect();
    await this.catalogueChanges.stop();
    await this.rerank?.close();
    await this.admin.disconnect();
  }

  /**
   * Polls the segments' stamp, as the configuration's; reloads them when it moved. A new or replaced membership counts
   * from the next event of each member on (the open bucket of a segment holds only what its members did since).
   */
  private async reloadSegments(initial: boolean): Promise<void> {
    const stamp = await this.segmentRepository.stamp();
    if (!initial && stamp === this.segments.stamp) return;
    const definitions = await this.segmentRepository.all();
    this.segments.install(definitions, stamp);
    if (!initial) this.log.info('drift segments changed; reloaded', { segments: definitions.length });
  }

  /** Polls the configuration's change stamp; reloads (and logs) when it moved. */
  private async reloadConfigs(initial: boolean): Promise<void> {
    const stamp = await this.configRepository.stamp();
    if (!initial && stamp === this.configs.stamp) return;
    this.configs.install(await this.configRepository.latest(), stamp);
    if (!initial) this.log.info('detector configuration changed; watches rebuild under it on their next observation', { changeId: stamp });
  }
}
