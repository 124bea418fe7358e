import { DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createDataSource, createMetricsRegistry, JsonLogger } from '@chorus/platform';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { OpsController } from './controllers/ops.controller';
import { loadRerankerConfig, RERANKER_CONFIG, type RerankerConfig } from './reranker.config';
import { RerankerRuntime } from './reranker.runtime';

class RerankerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(RerankerRuntime) private readonly runtime: RerankerRuntime,
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
export class RerankerModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: RerankerConfig = loadRerankerConfig()): DynamicModule {
    const logger = new JsonLogger('reranker', config.LOG_LEVEL);
    return {
      module: RerankerModule,
      controllers: [OpsController],
      providers: [
        { provide: RERANKER_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Registry, useFactory: () => createMetricsRegistry('reranker') },
        {
          provide: DataSource,
          // Each concurrent job holds at most one connection at a time; a little headroom for health checks.
          useFactory: async () => createDataSource(config.DATABASE_URL, { applicationName: 'chorus-reranker', poolSize: config.RERANK_CONCURRENCY + 2 }).initialize(),
        },
        {
          provide: RerankerRuntime,
          inject: [DataSource, Registry],
          useFactory: (db: DataSource, registry: Registry) => new RerankerRuntime(config, db, logger, registry),
        },
        RerankerLifecycle,
      ],
    };
  }
}
