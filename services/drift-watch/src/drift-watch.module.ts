import { DynamicModule, Module } from '@nestjs/common';
import { exitOnFatal, runtimeServiceProviders, RuntimeOpsController } from '@chorus/platform';
import { DRIFT_WATCH_CONFIG, loadDriftWatchConfig, type DriftWatchConfig } from './drift-watch.config';
import { DriftWatchRuntime } from './drift-watch.runtime';

@Module({})
export class DriftWatchModule {
  /** `config` defaults to the environment; tests and benchmarks pass their own. */
  static register(config: DriftWatchConfig = loadDriftWatchConfig(), onFatal?: (error: Error) => void): DynamicModule {
    return {
      module: DriftWatchModule,
      controllers: [RuntimeOpsController],
      providers: [
        { provide: DRIFT_WATCH_CONFIG, useValue: config },
        ...runtimeServiceProviders({
          service: 'drift-watch',
          config,
          runtime: DriftWatchRuntime,
          create: (db, registry, logger) => new DriftWatchRuntime(config, db, logger, registry, onFatal ?? exitOnFatal(logger, 'drift-watch')),
        }),
      ],
    };
  }
}
