import 'reflect-metadata';
import { runService } from '@chorus/platform';
import { createGatewayApp } from './gateway.app';
import { loadGatewayConfig } from './gateway.config';

runService({
  service: 'gateway',
  loadConfig: loadGatewayConfig,
  createApp: (config) => createGatewayApp(config),
  port: (config) => config.GATEWAY_PORT,
  ready: () => ({ docs: '/docs' }),
});
