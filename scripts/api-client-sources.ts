import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { loadGatewayConfig } from '../services/gateway/src/gateway.config';
import { GatewayModule } from '../services/gateway/src/gateway.module';
import { gatewayOpenApiDocument } from '../services/gateway/src/gateway.openapi';
import { loadNotifierConfig } from '../services/notifier/src/notifier.config';
import { NotifierModule } from '../services/notifier/src/notifier.module';
import { notifierOpenApiDocument } from '../services/notifier/src/notifier.openapi';

/** Where the generated types live, relative to the repository root. */
export const API_CLIENT_DIR = 'libs/api-client/src';

/**
 * The services' OpenAPI documents, built from applications created with `preview: true`: the modules are scanned for
 * their controllers, nothing is connected (no Kafka, Postgres or Redis needed), so CI can regenerate anywhere.
 */
export async function serviceDocuments(): Promise<{ gateway: OpenAPIObject; notifier: OpenAPIObject }> {
  const gatewayApp = await NestFactory.create(GatewayModule.register(loadGatewayConfig({})), { preview: true, logger: false });
  const notifierApp = await NestFactory.create(
    // Any valid key: a preview never seals a secret, and without one the config would create a key file.
    NotifierModule.register(loadNotifierConfig({ NOTIFIER_SECRET_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })),
    { preview: true, logger: false },
  );
  try {
    return { gateway: gatewayOpenApiDocument(gatewayApp), notifier: notifierOpenApiDocument(notifierApp) };
  } finally {
    await Promise.all([gatewayApp.close(), notifierApp.close()]);
  }
}

/** The generated TypeScript of each client (file name → text): openapi-typescript's `paths` and `components`. */
export async function apiClientSources(): Promise<Record<string, string>> {
  const documents = await serviceDocuments();
  const out: Record<string, string> = {};
  for (const [service, document] of Object.entries(documents)) {
    const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]);
    out[`${service}.openapi.ts`] = `${COMMENT_HEADER}// Regenerate with \`npm run generate:client\`; scripts/api-client-sources.spec.ts fails while it is stale.\n\n${astToString(ast)}`;
  }
  return out;
}
