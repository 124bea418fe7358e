import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, JsonLogger, OffsetsOfRecordTransport, startHybridService } from '@chorus/platform';
import { loadDriftWatchConfig } from './drift-watch.config';
import { DriftWatchModule } from './drift-watch.module';

async function bootstrap(): Promise<void> {
  const config = loadDriftWatchConfig();
  const logger = new JsonLogger('drift-watch', config.LOG_LEVEL);
  const app = await NestFactory.create(DriftWatchModule.register(config), { logger });
  // On SIGTERM: stop consuming, commit what was applied, then exit 0 (1 if the drain failed), so a supervisor can
  // tell a clean stop from a failed one. Nest's default re-raises the signal instead, which hides that difference.
  app.enableShutdownHooks([], { useProcessExit: true });
  await startHybridService(app, OffsetsOfRecordTransport, { port: config.DRIFT_HTTP_PORT });
  logger.write('info', 'drift-watch ready', { port: config.DRIFT_HTTP_PORT, group: config.DRIFT_GROUP_ID });
}

bootstrap().catch((error: Error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `drift-watch failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
