import { request } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { brokenJsonText, describeBytes, hostileBytes, hostileJson, hostileKey, hostileString, jsonText, JsonEntries, nearValid, toDoc, type JsonDoc } from './hostile-arbitraries';
import { schemaArbitrary, type JsonSchema } from './json-schema-arbitrary';

/** A route as the running app serves it: method and Express path (`/v1/users/:id/model`). */
export interface Route {
  method: string;
  path: string;
}

/**
 * Every route of a running Nest (Express) app, read from its router: what is served, not what is documented, so a
 * route missing from the OpenAPI document is fuzzed too.
 */
export function routesOf(app: INestApplication): Route[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  const routes: Route[] = [];
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path: layer.route.path });
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** The OpenAPI operation of a route, if documented. */
export function operationOf(document: JsonSchema | undefined, route: Route): JsonSchema | undefined {
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return document?.paths?.[path]?.[route.method.toLowerCase()];
}

/** One request on the wire: path and query already percent-encoded; the body as bytes. */
export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export function describeRequest(r: WireRequest): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…` : v}`);
  return `${r.method} ${r.path.length > 400 ? `${r.path.slice(0, 400)}… (${r.path.length} chars)` : r.path} [${headers.join('; ')}]${r.body ? ` body ${describeBytes(r.body)}` : ''}`;
}

/** Percent-encode every byte of the UTF-8 text except the unreserved characters (RFC 3986). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Encoded path segments UTF-8 cannot produce, or that routers treat specially. */
const RAW_SEGMENTS = ['%ED%A0%80', '%FF', '%C0%80', '%00', '%', '%2', '%zz', '%2F', '%2e%2e', '..', '.', '%20', '%E2%80%A8', '%EF%BB%BF', ';', '%3B'];

/** Path parameter values: plausible ones (including ids that exist), hostile text, raw encodings. */
function pathSegment(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...known), fc.uuid()).map(percentEncode) },
    { weight: 5, arbitrary: hostileString.map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

function queryValue(parameter: JsonSchema | undefined, known: readonly string[]): fc.Arbitrary<string> {
  const plausible: string[] = [...(parameter?.schema?.enum ?? []), ...known, '1', '10', '0', '-1', 'true', '2026-01-01T00:00:00Z'];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...plausible).map(percentEncode) },
    { weight: 5, arbitrary: hostileString.map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

/** Query strings: declared parameters (some left out, some repeated) and a few undeclared, hostile ones. */
function queryString(operation: JsonSchema | undefined, known: readonly string[]): fc.Arbitrary<string> {
  const declared = ((operation?.parameters ?? []) as JsonSchema[]).filter((p) => p.in === 'query');
  const declaredPairs = declared.map((p) =>
    fc.array(queryValue(p, known), { maxLength: 2 }).map((values) => values.map((v) => `${percentEncode(p.name)}=${v}`)),
  );
  const extra = fc.array(fc.tuple(hostileKey.map(percentEncode), queryValue(undefined, known)).map(([k, v]) => `${k}=${v}`), { maxLength: 2 });
  return fc.tuple(fc.tuple(...declaredPairs), extra).map(([pairs, more]) => {
    const all = [...pairs.flat(), ...more];
    return all.length === 0 ? '' : `?${all.join('&')}`;
  });
}

/** The request body schema of an operation (JSON), if it declares one. */
function bodySchema(operation: JsonSchema | undefined): JsonSchema | undefined {
  return operation?.requestBody?.content?.['application/json']?.schema;
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json'];

/**
 * Every string in a document that is an http(s) URL to anywhere but 127.0.0.1 is replaced by `local`, so a subscription
 * a fuzz case creates can only point at the test's own receiver: no request leaves the machine.
 */
export function localOnly(doc: JsonDoc, local: string): JsonDoc {
  if (typeof doc === 'string') return isRemoteUrl(doc) ? local : doc;
  if (doc instanceof JsonEntries) return new JsonEntries(doc.entries.map(([k, v]) => [k, localOnly(v, local)] as const));
  if (Array.isArray(doc)) return doc.map((d) => localOnly(d, local));
  return doc;
}

function isRemoteUrl(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return url.hostname !== '127.0.0.1';
  } catch {
    return false;
  }
}

/** Whether a body, once parsed as a client would send it, could name a remote URL (then the case sends `{}`). */
function mentionsRemoteUrl(body: Buffer): boolean {
  const text = body.toString('utf8');
  if (!/https?:|\/\//i.test(text)) return false;
  let found = false;
  try {
    JSON.parse(text, (_key, value) => {
      if (typeof value === 'string' && isRemoteUrl(value)) found = true;
      return value;
    });
  } catch {
    // Not JSON: the services refuse it before reading any URL from it... unless a lenient parser reads it. Be safe.
    found = /https?:\/\/(?!127\.0\.0\.1[:/])/i.test(text);
  }
  return found;
}

export interface RequestArbitraryOptions {
  /** Ids that exist (so a case reaches past "not found"): a subscription id, an item, a user, a segment. */
  known: readonly string[];
  /** A key with every scope the route may need. */
  key: string;
  /** The URL every URL field is pointed at. */
  localUrl: string;
}

/** Hostile requests for one route: path parameters, query, body, content type, authorization and (rarely) method. */
export function requestArbitrary(route: Route, operation: JsonSchema | undefined, document: JsonSchema | undefined, options: RequestArbitraryOptions): fc.Arbitrary<WireRequest> {
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const path = fc.tuple(...names.map(() => pathSegment(options.known))).map((values) => {
    let i = 0;
    return route.path.replace(/:([A-Za-z0-9_]+)/g, () => values[i++]!);
  });
  const schema = bodySchema(operation);
  const valid = schema
    ? schemaArbitrary(schema, { root: document, uri: fc.constant(options.localUrl) })
    : fc.constantFrom<unknown>({}, { note: 'ok' }, []);
  const body: fc.Arbitrary<Buffer | undefined> = fc
    .oneof(
      { weight: 6, arbitrary: nearValid(valid).map((doc) => Buffer.from(jsonText(localOnly(doc, options.localUrl)))) },
      { weight: 2, arbitrary: valid.map((v) => Buffer.from(jsonText(localOnly(toDoc(v), options.localUrl)))) },
      { weight: 2, arbitrary: hostileJson.map((doc) => Buffer.from(jsonText(localOnly(doc, options.localUrl)))) },
      { weight: 1, arbitrary: brokenJsonText(valid).map((text) => Buffer.from(text)) },
      { weight: 1, arbitrary: hostileBytes(valid) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    )
    .map((bytes) => (bytes && mentionsRemoteUrl(bytes) ? Buffer.from('{}') : bytes));
  const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) });
  // Header values must be bytes 0x20-0x7e/0x80-0xff (Node refuses the rest before sending).
  const hostileHeader = hostileString.map((s) => Buffer.from(s, 'utf8').toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, ''));
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${options.key}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: hostileHeader.map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: hostileHeader.map((s) => `Basic ${Buffer.from(`x:${s}`).toString('base64')}`) },
  );
  const method = fc.oneof({ weight: 19, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') });
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  return fc
    .record({ method, path, query: queryString(operation, options.known), body: hasBody ? body : fc.option(body, { freq: 8 }).map((b) => b ?? undefined), contentType, authorization })
    .map(({ method, path, query, body, contentType, authorization }) => ({
      method,
      path: `${path}${query}`,
      headers: { ...(authorization === undefined ? {} : { authorization }), ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
    }));
}

/**
 * Send one request to 127.0.0.1:`port` and answer its status (0 when there was no answer: reset, timeout) and the
 * start of its body. An event stream is closed once its status is known.
 */
export function send(port: number, r: WireRequest, timeoutMs = 15_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number, body: string) => {
      if (!settled) {
        settled = true;
        resolve({ status, body });
      }
    };
    // A connection per request (no keep-alive agent): a reused socket the server has just closed would fail the next
    // request with "socket hang up", a client race rather than a server fault.
    const req = request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, timeout: timeoutMs, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        return done(status, '(event stream)');
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 2_000) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => done(status, Buffer.concat(chunks).toString('utf8').slice(0, 2_000)));
      res.on('error', (error) => done(status, `(response error: ${error.message})`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => done(0, `(request error: ${error.message})`));
    req.end(r.body);
  });
}
