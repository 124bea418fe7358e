import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addAnswerSchemas } from '@chorus/platform';
import { gatewayRouteAnswers } from './controllers/route-answers';

/**
 * The gateway's OpenAPI document: requests and queries from the controllers' decorators, answers from the Zod answer
 * contracts. Served at /docs/openapi.json and the source of the generated client (`npm run generate:client`), which
 * builds it from an application created with `preview: true` (nothing connected).
 */
export function gatewayOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chorus gateway')
      .setDescription('Feedback ingestion, catalogue, and the read side of the aggregate and personalized reward models.')
      .setVersion('1')
      .addApiKey({ type: 'http', scheme: 'bearer', description: 'An API key from `gateway cli api-key create`' }, 'api-key')
      .build(),
  );
  return addAnswerSchemas(document, gatewayRouteAnswers);
}
