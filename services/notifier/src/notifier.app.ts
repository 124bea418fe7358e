import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { JsonLogger } from '@chorus/platform';
import type { NotifierConfig } from './notifier.config';
import { NotifierModule } from './notifier.module';

/** Build the notifier's HTTP application (main and the end-to-end tests start it the same way). */
export async function createNotifierApp(config: NotifierConfig, onFatal?: (error: Error) => void): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(NotifierModule.register(config, onFatal), {
    logger: new JsonLogger('notifier', config.LOG_LEVEL),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.NOTIFIER_BODY_LIMIT });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chorus notifier')
      .setDescription(
        'Drift-alert subscriptions: signed webhooks (Chorus-Signature: t=<unix>,v2=<HMAC-SHA256 hex of "<t>.<Chorus-Delivery-Id>.<raw body>">) and a resumable Server-Sent Events stream. Needs an API key with the `subscriber` scope; a key sees only its own subscriptions.',
      )
      .setVersion('1')
      .addApiKey({ type: 'http', scheme: 'bearer', description: 'An API key with the subscriber scope (`gateway cli api-key create --scopes subscriber`)' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
