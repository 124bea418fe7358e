import 'reflect-metadata';
import { ConfigError, JsonLogger } from '@chorus/platform';
import { createNotifierApp, listenNotifier } from './notifier.app';
import { loadNotifierConfig } from './notifier.config';

async function bootstrap(): Promise<void> {
  const config = loadNotifierConfig();
  const app = await createNotifierApp(config);
  await listenNotifier(app, config, { port: config.NOTIFIER_HTTP_PORT });
  new JsonLogger('notifier', config.LOG_LEVEL).write('info', 'notifier ready', {
    port: config.NOTIFIER_HTTP_PORT,
    roles: [...config.NOTIFIER_ROLES],
    group: config.NOTIFIER_GROUP_ID,
    docs: '/docs',
  });
}

bootstrap().catch((error: Error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `notifier failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
