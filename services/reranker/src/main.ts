import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { runService } from '@chorus/platform';
import { loadRerankerConfig } from './reranker.config';
import { RerankerModule } from './reranker.module';

runService({
  service: 'reranker',
  loadConfig: loadRerankerConfig,
  createApp: (config, logger) => NestFactory.create(RerankerModule.register(config), { logger }),
  port: (config) => config.RERANKER_HTTP_PORT,
  ready: (config) => ({ queuePrefix: config.RERANK_QUEUE_PREFIX, concurrency: config.RERANK_CONCURRENCY }),
});
