import 'reflect-metadata';
import { ConfigError, JsonLogger } from '@chorus/platform';
import { createGatewayApp } from './gateway.app';
import { loadGatewayConfig } from './gateway.config';

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig();
  const app = await createGatewayApp(config);
  await app.listen(config.GATEWAY_PORT);
  new JsonLogger('gateway', config.LOG_LEVEL).write('info', 'gateway ready', { port: config.GATEWAY_PORT, docs: `/docs` });
}

bootstrap().catch((error: Error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `gateway failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
