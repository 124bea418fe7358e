import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OffsetsOfRecordTransport, runService } from '@chorus/platform';
import { loadDriftWatchConfig } from './drift-watch.config';
import { DriftWatchModule } from './drift-watch.module';

runService({
  service: 'drift-watch',
  loadConfig: loadDriftWatchConfig,
  createApp: (config, logger) => NestFactory.create(DriftWatchModule.register(config), { logger }),
  port: (config) => config.DRIFT_HTTP_PORT,
  transport: () => OffsetsOfRecordTransport,
  ready: (config) => ({ group: config.DRIFT_GROUP_ID }),
});
