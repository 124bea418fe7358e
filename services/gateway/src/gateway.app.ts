import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { JsonLogger } from '@chorus/platform';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { mountQueueDashboard } from './queue-dashboard';

/** Build the HTTP application (main and the end-to-end tests start it the same way). */
export async function createGatewayApp(config: GatewayConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.register(config), {
    logger: new JsonLogger('gateway', config.LOG_LEVEL),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.GATEWAY_BODY_LIMIT });
  mountQueueDashboard(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chorus gateway')
      .setDescription('Feedback ingestion, catalogue, and the read side of the aggregate and personalized reward models.')
      .setVersion('1')
      .addApiKey({ type: 'http', scheme: 'bearer', description: 'An API key from `gateway cli api-key create`' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
