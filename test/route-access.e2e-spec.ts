import { Controller, Get, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { accessControlProviders, HttpErrorFilter, JsonLogger, Public, RouteAccessCheck } from '@chorus/platform';
import { APP_FILTER } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_TEST_ENV, startDriftWatch } from './support/drift-watch';
import { dropQueueKeys, notifierEnv, startNotifier } from './support/notifier';
import { startReranker } from './support/reranker';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Every route of every HTTP service, with who may call it. The routes are read from each running application's
 * Express router (Nest's controllers, Swagger's /docs, mounted routers such as Bull Board), not from our own
 * metadata, and each one's access is found by calling it: without a key (401 means it needs one) and with a key whose
 * only scope is `ingest` (a 403 names the scope it needs). A route added without a row here fails the test, and so
 * does a route whose access differs from its row.
 *
 * learner, drift-watch and reranker run with METRICS_SCOPE=admin (their /metrics needs the admin scope); gateway and
 * notifier with the default (public /metrics).
 */
const expected: Record<string, Record<string, string>> = {
  gateway: {
    'GET /health': 'public',
    'GET /metrics': 'public',
    'POST /v1/feedback': 'ingest',
    'PUT /v1/items/:id': 'admin',
    'POST /v1/items/import': 'admin',
    'GET /v1/items/:id': 'read',
    'GET /v1/models/aggregate': 'read',
    'GET /v1/users/:id/model': 'read',
    'GET /v1/users/:id/reliability': 'read',
    'GET /v1/users/:id/recommendations': 'read',
    'POST /v1/admin/rerank': 'admin',
    'GET /v1/admin/rerank/jobs/:id': 'admin',
    'GET /v1/admin/drift/alerts': 'admin',
    'GET /v1/admin/drift/alerts/:id': 'admin',
    'POST /v1/admin/drift/alerts/:id/ack': 'admin',
    'GET /v1/admin/drift/series/users/:userId': 'admin',
    'GET /v1/admin/drift/series/population': 'admin',
    'GET /v1/admin/drift/config': 'admin',
    'GET /v1/admin/drift/config/:domain/:metric': 'admin',
    'PUT /v1/admin/drift/config/:domain/:metric': 'admin',
    'PUT /v1/admin/drift/segments/:domain/:name': 'admin',
    'GET /v1/admin/drift/segments': 'admin',
    'GET /v1/admin/drift/segments/:domain/:name': 'admin',
    'DELETE /v1/admin/drift/segments/:domain/:name': 'admin',
    'GET /v1/admin/drift/segments/:domain/:name/series': 'admin',
    'GET /v1/admin/overview/lag': 'admin',
    'GET /v1/admin/overview/dead-letters': 'admin',
    'GET /v1/admin/overview/prequential-auc': 'admin',
    'GET /v1/admin/users/:id/lists': 'admin',
    'USE /admin/queues': 'admin',
    'USE /console': 'public',
    'USE /docs': 'public',
    'GET /docs': 'public',
    'GET /docs/': 'public',
    'GET /docs/swagger-ui-init.js': 'public',
    'GET /docs/docs/swagger-ui-init.js': 'public',
    'GET /docs/index.html': 'public',
    'GET /docs/LICENSE': 'public',
    'GET /docs/openapi.json': 'public',
    'GET /docs-yaml': 'public',
  },
  notifier: {
    'GET /health': 'public',
    'GET /metrics': 'public',
    'POST /v1/subscriptions': 'subscriber',
    'GET /v1/subscriptions': 'subscriber',
    'GET /v1/subscriptions/:id': 'subscriber',
    'PATCH /v1/subscriptions/:id': 'subscriber',
    'DELETE /v1/subscriptions/:id': 'subscriber',
    'GET /v1/subscriptions/:id/deliveries': 'subscriber',
    'POST /v1/subscriptions/:id/ping': 'subscriber',
    'GET /v1/alerts/stream': 'subscriber',
    'USE /docs': 'public',
    'GET /docs': 'public',
    'GET /docs/': 'public',
    'GET /docs/swagger-ui-init.js': 'public',
    'GET /docs/docs/swagger-ui-init.js': 'public',
    'GET /docs/index.html': 'public',
    'GET /docs/LICENSE': 'public',
    'GET /docs/openapi.json': 'public',
    'GET /docs-yaml': 'public',
  },
  learner: { 'GET /health': 'public', 'GET /metrics': 'admin' },
  'drift-watch': { 'GET /health': 'public', 'GET /metrics': 'admin' },
  reranker: { 'GET /health': 'public', 'GET /metrics': 'admin' },
};

/** The routes an Express application serves: `METHOD path` of each route, `USE path` of each mounted router. */
function expressRoutes(app: INestApplication): string[] {
  const router = (app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } }).router;
  const routes: string[] = [];
  for (const layer of router.stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) routes.push(`${method.toUpperCase()} ${layer.route.path}`);
    } else if (typeof layer.rawPath === 'string' && layer.rawPath !== '/') {
      routes.push(`USE ${layer.rawPath}`);
    }
  }
  return [...new Set(routes)];
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
  rawPath?: unknown;
}

/** Who may call `route`, found by calling it. */
async function probeAccess(baseUrl: string, route: string, ingestKey: string): Promise<string> {
  const [verb, template] = route.split(' ') as [string, string];
  const method = verb === 'USE' ? 'GET' : verb;
  const url = `${baseUrl}${template.replace(/:[a-zA-Z]+/g, 'x')}`;
  const call = (key?: string) =>
    fetch(url, { method, headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined, signal: AbortSignal.timeout(10_000) });
  const anonymous = await call();
  await anonymous.body?.cancel();
  if (anonymous.status !== 401) {
    // Anything but a refusal: served (2xx/3xx), or a complaint about the request itself (404 for the id "x").
    expect([403, 429, 500], `${route} without a key`).not.toContain(anonymous.status);
    return 'public';
  }
  const withIngest = await call(ingestKey);
  const body = await withIngest.text();
  if (withIngest.status === 403) {
    const message = String((JSON.parse(body) as { message?: unknown }).message);
    return /needs the "([a-z]+)" scope/.exec(message)?.[1] ?? `403 without a scope: ${body}`;
  }
  expect([401, 429, 500], `${route} with an ingest key`).not.toContain(withIngest.status);
  return 'ingest';
}

describe('route access: every route of every service, with its scope', () => {
  const stack = new TestStack(1);
  const apps: Record<string, { app: INestApplication; url: string }> = {};
  let db: DataSource;
  let ingestKey: string;
  let adminKey: string;

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    ingestKey = await stack.apiKey(db, ['ingest'], 'ingest-only');
    adminKey = await stack.apiKey(db, ['admin'], 'admin');
    const env = serviceEnv(stack, database.url, { RERANK_QUEUE_PREFIX: `chorus-${stack.id}` });
    const scopedMetrics = { ...env, METRICS_SCOPE: 'admin' };
    apps.gateway = await startGateway(env);
    const notifier = await startNotifier(notifierEnv(stack, env, { NOTIFIER_ROLES: 'api' }));
    apps.notifier = { app: notifier.app, url: notifier.url };
    for (const [name, start] of [
      ['learner', () => startLearner(scopedMetrics)],
      ['drift-watch', () => startDriftWatch({ ...scopedMetrics, ...DRIFT_TEST_ENV })],
      ['reranker', () => startReranker(scopedMetrics)],
    ] as const) {
      const { app } = await start();
      apps[name] = { app, url: await app.getUrl() };
    }
  });

  afterAll(async () => {
    for (const { app } of Object.values(apps)) await app.close().catch(() => undefined);
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it.each(Object.keys(expected))('%s: the routes it serves and who may call each are exactly the table', async (service) => {
    const { app, url } = apps[service]!;
    const routes = expressRoutes(app);
    const actual: Record<string, string> = {};
    for (const route of routes) actual[route] = await probeAccess(url.replace('[::1]', '127.0.0.1'), route, ingestKey);
    expect(actual).toEqual(expected[service]);
  });

  it('/metrics behind METRICS_SCOPE answers a key with that scope, and only such a key', async () => {
    const url = apps.learner!.url.replace('[::1]', '127.0.0.1');
    const anonymous = await fetch(`${url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ingestKey}` } })).status).toBe(403);
    const admin = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('# TYPE');
  });

  it('a service with a route that declares no access does not start, and the route is refused if it ever runs', async () => {
    @Controller('undeclared')
    class UndeclaredController {
      @Get('open')
      @Public()
      open() {
        return { ok: true };
      }
      @Get('forgotten')
      forgotten() {
        return { secret: true };
      }
    }
    const moduleOf = (check: boolean) => {
      class TestModule {}
      return {
        module: TestModule,
        controllers: [UndeclaredController],
        providers: [
          { provide: DataSource, useValue: db },
          ...accessControlProviders({ policy: {} }).filter((provider) => check || provider !== RouteAccessCheck),
          { provide: APP_FILTER, useClass: HttpErrorFilter },
        ],
      };
    };
    const checked = await NestFactory.create(moduleOf(true), { logger: new JsonLogger('test', 'error'), abortOnError: false });
    await expect(checked.init()).rejects.toThrow('GET /undeclared/forgotten (UndeclaredController.forgotten)');
    await checked.close().catch(() => undefined);

    // Without the boot check, the guard still refuses the route (and serves the declared one).
    const unchecked = await NestFactory.create(moduleOf(false), { logger: new JsonLogger('test', 'error') });
    await unchecked.listen(0, '127.0.0.1');
    try {
      const url = (await unchecked.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${url}/undeclared/open`)).status).toBe(200);
      const refused = await fetch(`${url}/undeclared/forgotten`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'AUTH.ROUTE_UNDECLARED' });
    } finally {
      await unchecked.close();
    }
  });
});
