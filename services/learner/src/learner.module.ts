import { DynamicModule, Module } from '@nestjs/common';
import { exitOnFatal, runtimeServiceProviders, RuntimeOpsController } from '@chorus/platform';
import { LEARNER_CONFIG, loadLearnerConfig, type LearnerConfig } from './learner.config';
import { LearnerRuntime } from './learner.runtime';

@Module({})
export class LearnerModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: LearnerConfig = loadLearnerConfig(), onFatal?: (error: Error) => void): DynamicModule {
    return {
      module: LearnerModule,
      controllers: [RuntimeOpsController],
      providers: [
        { provide: LEARNER_CONFIG, useValue: config },
        ...runtimeServiceProviders({
          service: 'learner',
          config,
          runtime: LearnerRuntime,
          create: (db, registry, logger) => new LearnerRuntime(config, db, logger, registry, onFatal ?? exitOnFatal(logger, 'learner')),
        }),
      ],
    };
  }
}
