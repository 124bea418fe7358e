import 'reflect-metadata';
import { runService } from '@chorus/platform';
import { createNotifierApp, notifierTransport } from './notifier.app';
import { loadNotifierConfig } from './notifier.config';

runService({
  service: 'notifier',
  loadConfig: loadNotifierConfig,
  createApp: (config) => createNotifierApp(config),
  port: (config) => config.NOTIFIER_HTTP_PORT,
  transport: notifierTransport,
  ready: (config) => ({ roles: [...config.NOTIFIER_ROLES], group: config.NOTIFIER_GROUP_ID, docs: '/docs' }),
});
