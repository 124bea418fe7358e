import { DynamicModule, Inject, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard, ApiKeyRepository, connectDatabase, createMetricsRegistry, HttpErrorFilter, JsonLogger } from '@chorus/platform';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AlertStreamController } from './controllers/alert-stream.controller';
import { OpsController } from './controllers/ops.controller';
import { SubscriptionsController } from './controllers/subscriptions.controller';
import { loadNotifierConfig, NOTIFIER_CONFIG, type NotifierConfig } from './notifier.config';
import { NotifierRuntime } from './notifier.runtime';
import { ManageSubscriptionsUseCase } from './usecases/manage-subscriptions.usecase';
import { StreamAlertsUseCase } from './usecases/stream-alerts.usecase';

class NotifierLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(NotifierRuntime) private readonly runtime: NotifierRuntime,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.runtime.start();
  }
  /** Before the HTTP server closes: it would wait forever for open SSE streams. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.closeStreams();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
    await this.db.destroy();
  }
}

@Module({})
export class NotifierModule {
  /** `config` defaults to the environment; tests pass their own (and `onFatal`, so a fatal error fails them instead of exiting). */
  static register(config: NotifierConfig = loadNotifierConfig(), onFatal?: (error: Error) => void): DynamicModule {
    const logger = new JsonLogger('notifier', config.LOG_LEVEL);
    const api = config.NOTIFIER_ROLES.has('api');
    return {
      module: NotifierModule,
      controllers: api ? [SubscriptionsController, AlertStreamController, OpsController] : [OpsController],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Registry, useFactory: () => createMetricsRegistry('notifier') },
        { provide: DataSource, useFactory: () => connectDatabase(config.DATABASE_URL, { applicationName: 'chorus-notifier' }) },
        {
          provide: NotifierRuntime,
          inject: [DataSource, Registry],
          useFactory: (db: DataSource, registry: Registry) =>
            new NotifierRuntime(config, db, logger, registry, onFatal ?? ((error) => {
              logger.write('error', 'notifier stopped on a fatal error; restart it (Kafka redelivers what was not committed, and replays are no-ops)', { error: error.message });
              process.exit(1);
            })),
        },
        { provide: ManageSubscriptionsUseCase, inject: [NotifierRuntime], useFactory: (runtime: NotifierRuntime) => runtime.subscriptions },
        { provide: StreamAlertsUseCase, inject: [NotifierRuntime], useFactory: (runtime: NotifierRuntime) => runtime.stream },
        { provide: ApiKeyRepository, inject: [DataSource], useFactory: (db: DataSource) => new ApiKeyRepository(db) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        NotifierLifecycle,
      ],
    };
  }
}
