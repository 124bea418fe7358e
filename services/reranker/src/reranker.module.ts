import { DynamicModule, Module } from '@nestjs/common';
import { runtimeServiceProviders, RuntimeOpsController } from '@chorus/platform';
import { loadRerankerConfig, RERANKER_CONFIG, type RerankerConfig } from './reranker.config';
import { RerankerRuntime } from './reranker.runtime';

@Module({})
export class RerankerModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: RerankerConfig = loadRerankerConfig()): DynamicModule {
    return {
      module: RerankerModule,
      controllers: [RuntimeOpsController],
      providers: [
        { provide: RERANKER_CONFIG, useValue: config },
        ...runtimeServiceProviders({
          service: 'reranker',
          config,
          runtime: RerankerRuntime,
          create: (db, registry, logger) => new RerankerRuntime(config, db, logger, registry),
          // Each concurrent job holds at most one connection at a time; a little headroom for health checks.
          poolSize: config.RERANK_CONCURRENCY + 2,
        }),
      ],
    };
  }
}
