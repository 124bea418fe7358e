import { DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createDataSource, createMetricsRegistry, JsonLogger } from '@chorus/platform';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { OpsController } from './controllers/ops.controller';
import { DRIFT_WATCH_CONFIG, loadDriftWatchConfig, type DriftWatchConfig } from './drift-watch.config';
import { DriftWatchRuntime } from './drift-watch.runtime';

class DriftWatchLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DriftWatchRuntime) private readonly runtime: DriftWatchRuntime,
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
export class DriftWatchModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: DriftWatchConfig = loadDriftWatchConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('drift-watch', config.LOG_LEVEL);
    return {
      module: DriftWatchModule,
      controllers: [OpsController],
      providers: [
        { provide: DRIFT_WATCH_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Registry, useFactory: () => createMetricsRegistry('drift-watch') },
        {
          provide: DataSource,
          useFactory: async () => createDataSource(config.DATABASE_URL, { applicationName: 'chorus-drift-watch' }).initialize(),
        },
        {
          provide: DriftWatchRuntime,
          inject: [DataSource, Registry],
          useFactory: (db: DataSource, registry: Registry) =>
            new DriftWatchRuntime(config, db, logger, registry, onFatal ?? ((error) => {
              logger.write('error', 'drift-watch stopped on a fatal error; restart it to resume from the offsets in Postgres', { error: error.message });
              process.exit(1);
            })),
        },
        DriftWatchLifecycle,
      ],
    };
  }
}
