import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, JsonLogger } from '@chorus/platform';
import { loadRerankerConfig } from './reranker.config';
import { RerankerModule } from './reranker.module';

async function bootstrap(): Promise<void> {
  const config = loadRerankerConfig();
  const logger = new JsonLogger('reranker', config.LOG_LEVEL);
  const app = await NestFactory.create(RerankerModule.register(config), { logger });
  // On SIGTERM: stop consuming, commit what was applied, then exit 0 (1 if the drain failed), so a supervisor can
  // tell a clean stop from a failed one. Nest's default re-raises the signal instead, which hides that difference.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.listen(config.RERANKER_HTTP_PORT);
  logger.write('info', 'reranker ready', { port: config.RERANKER_HTTP_PORT, queuePrefix: config.RERANK_QUEUE_PREFIX, concurrency: config.RERANK_CONCURRENCY });
}

bootstrap().catch((error: Error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `reranker failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
