import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OffsetsOfRecordTransport, runService } from '@chorus/platform';
import { loadLearnerConfig } from './learner.config';
import { LearnerModule } from './learner.module';

runService({
  service: 'learner',
  loadConfig: loadLearnerConfig,
  createApp: (config, logger) => NestFactory.create(LearnerModule.register(config), { logger }),
  port: (config) => config.LEARNER_HTTP_PORT,
  transport: () => OffsetsOfRecordTransport,
  ready: (config) => ({ group: config.LEARNER_GROUP_ID }),
});
