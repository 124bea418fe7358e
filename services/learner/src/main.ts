import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, JsonLogger } from '@chorus/platform';
import { loadLearnerConfig } from './learner.config';
import { LearnerModule } from './learner.module';

async function bootstrap(): Promise<void> {
  const config = loadLearnerConfig();
  const logger = new JsonLogger('learner', config.LOG_LEVEL);
  const app = await NestFactory.create(LearnerModule.register(config), { logger });
  app.enableShutdownHooks();
  await app.listen(config.LEARNER_HTTP_PORT);
  logger.write('info', 'learner ready', { port: config.LEARNER_HTTP_PORT, group: config.LEARNER_GROUP_ID });
}

bootstrap().catch((error: Error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `learner failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
