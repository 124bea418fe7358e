import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, JsonLogger, OffsetsOfRecordTransport, startHybridService } from '@chorus/platform';
import { loadLearnerConfig } from './learner.config';
import { LearnerModule } from './learner.module';

async function bootstrap(): Promise<void> {
  const config = loadLearnerConfig();
  const logger = new JsonLogger('learner', config.LOG_LEVEL);
  const app = await NestFactory.create(LearnerModule.register(config), { logger });
  // On SIGTERM: stop consuming, commit what was applied, then exit 0 (1 if the drain failed), so a supervisor can
  // tell a clean stop from a failed one. Nest's default re-raises the signal instead, which hides that difference.
  app.enableShutdownHooks([], { useProcessExit: true });
  await startHybridService(app, OffsetsOfRecordTransport, { port: config.LEARNER_HTTP_PORT });
  logger.write('info', 'learner ready', { port: config.LEARNER_HTTP_PORT, group: config.LEARNER_GROUP_ID });
}

bootstrap().catch((error: Error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `learner failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
