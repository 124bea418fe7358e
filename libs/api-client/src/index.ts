import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components as GatewayComponents, paths as GatewayPaths } from './gateway.openapi';
import type { components as NotifierComponents, paths as NotifierPaths } from './notifier.openapi';

/**
 * Typed clients of the gateway and the notifier (openapi-fetch over the types openapi-typescript generated from their
 * OpenAPI documents, which take their answers from the Zod contracts): paths, parameters, bodies, answers and the
 * error body are all checked by tsc. Used by the console, the demo and the audit.
 */
export type GatewayClient = Client<GatewayPaths>;
export type NotifierClient = Client<NotifierPaths>;
export type GatewaySchemas = GatewayComponents['schemas'];
export type NotifierSchemas = NotifierComponents['schemas'];
export type { GatewayPaths, NotifierPaths };

export interface ApiClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** e.g. http://127.0.0.1:3000 (no trailing slash needed); '' for the page's own origin */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` */
  apiKey: string;
}

function options({ baseUrl, apiKey, headers, ...rest }: ApiClientOptions): ClientOptions {
  return { ...rest, baseUrl: baseUrl.replace(/\/+$/, ''), headers: { ...(headers as Record<string, string> | undefined), authorization: `Bearer ${apiKey}` } };
}

export function createGatewayClient(settings: ApiClientOptions): GatewayClient {
  return createClient<GatewayPaths>(options(settings));
}

export function createNotifierClient(settings: ApiClientOptions): NotifierClient {
  return createClient<NotifierPaths>(options(settings));
}
