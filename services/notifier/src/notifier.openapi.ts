import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addAnswerSchemas } from '@chorus/platform';
import { notifierRouteAnswers } from './controllers/route-answers';

/**
 * The notifier's OpenAPI document: requests from the controllers' decorators, answers from the Zod answer contracts.
 * Served at /docs/openapi.json and the source of the generated client (`npm run generate:client`).
 */
export function notifierOpenApiDocument(app: INestApplication): OpenAPIObject {
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
  return addAnswerSchemas(document, notifierRouteAnswers);
}
