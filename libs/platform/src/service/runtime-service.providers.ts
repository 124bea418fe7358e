import type { InjectionToken, OnApplicationShutdown, OptionalFactoryDependency, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { accessControlProviders } from '../auth/access-control.providers';
import type { Scope } from '../auth/api-key';
import { connectDatabase } from '../database/data-source';
import { HttpErrorFilter } from '../errors/http-error.filter';
import type { Probe } from '../health/health-probes';
import { JsonLogger } from '../logging/json-logger';
import { createMetricsRegistry } from '../metrics/metrics-registry';

/** What /health checks of a background service: its dependencies, by name. */
export interface ServiceHealth {
  healthProbes(): Record<string, Probe>;
}

/** The service's {@link ServiceHealth}, whatever provides it (for the shared ops routes). */
export const SERVICE_HEALTH = Symbol('SERVICE_HEALTH');

/**
 * {@link SERVICE_HEALTH} from the service's own clients: `inject` names them, `probes` maps them to the named checks
 * (e.g. `(admin, db, redis) => ({ kafka: probes.kafka(admin), postgres: probes.postgres(db), redis: probes.redis(redis) })`).
 */
export function serviceHealthProvider<D extends unknown[]>(inject: (InjectionToken | OptionalFactoryDependency)[], probesOf: (...dependencies: D) => Record<string, Probe>): Provider {
  return { provide: SERVICE_HEALTH, inject, useFactory: (...dependencies: D): ServiceHealth => ({ healthProbes: () => probesOf(...dependencies) }) };
}

export interface ServiceOptions {
  /** Service name: log and metric label, and the Postgres application_name `chorus-<service>`. */
  service: string;
  config: { DATABASE_URL: string; LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error'; METRICS_SCOPE?: Scope };
  poolSize?: number;
}

/**
 * The providers every background service shares: its logger, a Prometheus registry, the Postgres connection (closed
 * at the very end of shutdown, after the microservices drained), and the authorization of its ops routes (`/metrics`
 * behind METRICS_SCOPE when set). The service provides {@link SERVICE_HEALTH}.
 */
export function serviceProviders(options: ServiceOptions, logger = new JsonLogger(options.service, options.config.LOG_LEVEL)): Provider[] {
  return [
    { provide: JsonLogger, useValue: logger },
    { provide: Registry, useFactory: () => createMetricsRegistry(options.service) },
    {
      provide: DataSource,
      useFactory: () => connectDatabase(options.config.DATABASE_URL, { applicationName: `chorus-${options.service}`, poolSize: options.poolSize }),
    },
    ...accessControlProviders({ policy: { metricsScope: options.config.METRICS_SCOPE } }),
    // Error codes → statuses (an unauthorized /metrics answers 401/403, not 500).
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ];
}

/** Closes Postgres on shutdown: `onApplicationShutdown` runs after Nest closed the microservices (their drain commits). */
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(private readonly db: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}

/** A provider that closes the service's Postgres connection once everything else has stopped. */
export function databaseLifecycleProvider(): Provider {
  return { provide: DatabaseLifecycle, inject: [DataSource], useFactory: (db: DataSource) => new DatabaseLifecycle(db) };
}

/** A fatal error in a service whose state is committed with its offsets: exit, and let the restart resume. */
export function exitOnFatal(logger: JsonLogger, service: string): (error: Error) => void {
  return (error) => {
    logger.write('error', `${service} stopped on a fatal error; restart it to resume from the offsets in Postgres`, { error: error.message });
    process.exit(1);
  };
}
