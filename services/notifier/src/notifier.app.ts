import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { JsonLogger, OffsetsOfRecordTransport } from '@chorus/platform';
import type { NotifierConfig } from './notifier.config';
import { NotifierModule } from './notifier.module';
import { notifierOpenApiDocument } from './notifier.openapi';

/** Build the notifier's HTTP application (main and the end-to-end tests start it the same way). */
export async function createNotifierApp(config: NotifierConfig, onFatal?: (error: Error) => void): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(NotifierModule.register(config, onFatal), {
    logger: new JsonLogger('notifier', config.LOG_LEVEL),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.NOTIFIER_BODY_LIMIT });
  app.enableShutdownHooks();
  if (config.NOTIFIER_CORS_ORIGINS.length > 0) {
    app.enableCors({ origin: config.NOTIFIER_CORS_ORIGINS, allowedHeaders: ['authorization', 'content-type', 'last-event-id'], maxAge: 600 });
  }
  // The document describes the API role's routes; a consumer-only notifier serves /health and /metrics and no docs.
  if (config.NOTIFIER_ROLES.has('api')) SwaggerModule.setup('docs', app, notifierOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/**
 * The notifier's transport for runService: with the consumer role, chorus.drift-alerts.v1 on the offsets-of-record
 * transport as a Nest microservice beside the HTTP side; without it, HTTP only.
 */
export function notifierTransport(config: NotifierConfig): typeof OffsetsOfRecordTransport | undefined {
  return config.NOTIFIER_ROLES.has('consumer') ? OffsetsOfRecordTransport : undefined;
}
