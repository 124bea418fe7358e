import { DynamicModule, Module } from '@nestjs/common';
import { topicName } from '@chorus/contracts';
import { DeadLetterOutbox, exitOnFatal, JsonLogger, OffsetsOfRecordTransport, runtimeServiceProviders, RuntimeOpsController } from '@chorus/platform';
import { DataSource } from 'typeorm';
import { DriftInputController } from './consumers/drift-input.controller';
import { DRIFT_WATCH_CONFIG, loadDriftWatchConfig, type DriftWatchConfig } from './drift-watch.config';
import { DriftWatchRuntime } from './drift-watch.runtime';

/**
 * drift-watch: its runtime (engine, alert outbox, catalogue changes, retention), the feedback and exposures input on
 * the offsets-of-record transport (co-partitioned), and the ops routes. Start it with startHybridService.
 */
@Module({})
export class DriftWatchModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: DriftWatchConfig = loadDriftWatchConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const fatal = (logger: JsonLogger) => onFatal ?? exitOnFatal(logger, 'drift-watch');
    return {
      module: DriftWatchModule,
      controllers: [RuntimeOpsController, DriftInputController],
      providers: [
        { provide: DRIFT_WATCH_CONFIG, useValue: config },
        ...runtimeServiceProviders({
          service: 'drift-watch',
          config,
          runtime: DriftWatchRuntime,
          create: (db, registry, logger) => new DriftWatchRuntime(config, db, logger, registry, fatal(logger)),
        }),
        {
          provide: OffsetsOfRecordTransport,
          inject: [DriftWatchRuntime, DataSource, JsonLogger],
          useFactory: (runtime: DriftWatchRuntime, db: DataSource, logger: JsonLogger) =>
            new OffsetsOfRecordTransport({
              name: 'drift-watch input',
              kafka: runtime.kafka,
              groupId: config.DRIFT_GROUP_ID,
              topics: { feedback: topicName('feedback', config.KAFKA_TOPIC_PREFIX), exposures: topicName('exposures', config.KAFKA_TOPIC_PREFIX) },
              coPartitioned: true,
              sessionTimeoutMs: config.DRIFT_SESSION_TIMEOUT_MS,
              offsetsOfRecord: runtime.input,
              deadLetters: { outbox: new DeadLetterOutbox(db, config.DRIFT_GROUP_ID), topic: topicName('driftWatchDlq', config.KAFKA_TOPIC_PREFIX) },
              log: logger.child('drift-input-transport'),
              onFatal: fatal(logger),
            }),
        },
      ],
    };
  }
}
