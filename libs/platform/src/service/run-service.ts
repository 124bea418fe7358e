import type { INestApplication, InjectionToken } from '@nestjs/common';
import { ConfigError } from '../config/config.error';
import { JsonLogger } from '../logging/json-logger';
import { startService } from './hybrid-service.bootstrap';

export interface ServiceMain<C extends { LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' }> {
  /** Service name: the log's and the failure message's. */
  service: string;
  /** Reads and validates the environment; a ConfigError is printed as it is (every bad key), without a stack. */
  loadConfig: () => C;
  /** Builds the Nest application (the same function the in-process tests use). */
  createApp: (config: C, logger: JsonLogger) => Promise<INestApplication>;
  /** The HTTP port (/health, /metrics and the service's routes). */
  port: (config: C) => number;
  /**
   * A consumer service's transport (the module's provider), or undefined for HTTP only (a notifier without the consumer
   * role): started as a Nest microservice before the HTTP side listens.
   */
  transport?: (config: C) => InjectionToken | undefined;
  /** What the "ready" line reports besides the port. */
  ready?: (config: C) => Record<string, unknown>;
}

/**
 * Every service's `main`: load the config, build the application, start it, say so; a failure to start is printed and
 * the process exits 1. On SIGTERM the application stops its consumers, commits what they applied and exits 0 (1 if the
 * shutdown failed), so a supervisor can tell a clean stop from a failed one (Nest's default re-raises the signal, which
 * hides that difference).
 */
export function runService<C extends { LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' }>(main: ServiceMain<C>): void {
  const start = async () => {
    const config = main.loadConfig();
    const logger = new JsonLogger(main.service, config.LOG_LEVEL);
    const app = await main.createApp(config, logger);
    app.enableShutdownHooks([], { useProcessExit: true });
    const port = main.port(config);
    await startService(app, main.transport?.(config), { port });
    logger.write('info', `${main.service} ready`, { port, ...main.ready?.(config) });
  };
  start().catch((error: Error) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${main.service} failed to start: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
