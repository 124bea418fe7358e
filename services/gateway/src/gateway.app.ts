import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { JsonLogger } from '@chorus/platform';
import type { Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { mountConsole } from './console-assets';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { gatewayOpenApiDocument } from './gateway.openapi';
import { KAFKA_ADMIN } from './gateway.tokens';
import { mountQueueDashboard } from './queue-dashboard';
import { registerStackGauges } from './stack-gauges';

/** Build the HTTP application (main and the end-to-end tests start it the same way). */
export async function createGatewayApp(config: GatewayConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.register(config), {
    logger: new JsonLogger('gateway', config.LOG_LEVEL),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.GATEWAY_BODY_LIMIT });
  app.enableShutdownHooks();
  mountConsole(app, config.GATEWAY_CONSOLE_DIR);
  const queues = mountQueueDashboard(app);
  registerStackGauges(app.get(Registry), { queues, admin: app.get<Admin>(KAFKA_ADMIN), topicPrefix: config.KAFKA_TOPIC_PREFIX });
  const document = gatewayOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
