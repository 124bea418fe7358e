import { DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createDataSource, createMetricsRegistry, JsonLogger } from '@chorus/platform';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { OpsController } from './controllers/ops.controller';
import { LEARNER_CONFIG, loadLearnerConfig, type LearnerConfig } from './learner.config';
import { LearnerRuntime } from './learner.runtime';

class LearnerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(LearnerRuntime) private readonly runtime: LearnerRuntime,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.runtime.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
    await this.db.destroy();
  }
}

@Module({})
export class LearnerModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: LearnerConfig = loadLearnerConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('learner', config.LOG_LEVEL);
    return {
      module: LearnerModule,
      controllers: [OpsController],
      providers: [
        { provide: LEARNER_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Registry, useFactory: () => createMetricsRegistry('learner') },
        {
          provide: DataSource,
          useFactory: async () => createDataSource(config.DATABASE_URL, { applicationName: 'chorus-learner' }).initialize(),
        },
        {
          provide: LearnerRuntime,
          inject: [DataSource, Registry],
          useFactory: (db: DataSource, registry: Registry) =>
            new LearnerRuntime(config, db, logger, registry, onFatal ?? ((error) => {
              logger.write('error', 'learner stopped on a fatal error; restart it to resume from the offsets in Postgres', { error: error.message });
              process.exit(1);
            })),
        },
        LearnerLifecycle,
      ],
    };
  }
}
