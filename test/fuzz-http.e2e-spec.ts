import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_TEST_ENV, seedCatalogue, startDriftWatch } from './support/drift-watch';
import { catalogue } from './support/feedback-factory';
import { failureOf, FUZZ_DEBUG, fuzzParameters, fuzzRuns, report, tally, type SurfaceTally } from './support/fuzz-run';
import { describeRequest, operationOf, requestArbitrary, routesOf, send, type Route } from './support/http-fuzz';
import type { JsonSchema } from './support/json-schema-arbitrary';
import { dropQueueKeys, notifierEnv, queuePrefix, startNotifier, WebhookReceiver } from './support/notifier';
import { startReranker } from './support/reranker';
import { startGateway, startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Issue #10 item 7, HTTP: every route every service serves (read from its router, so an undocumented route is fuzzed
 * too), with path parameters, query parameters, bodies, content types and authorization drawn from the hostile
 * arbitraries; the OpenAPI document (gateway, notifier) says which query parameters a route reads and shapes the
 * near-valid bodies. The property: no answer is a 5xx or missing, and the service still reports healthy afterwards.
 *
 * FUZZ_RUNS cases per service (spread over its routes; CI default below), seeded by FUZZ_SEED. A failing route is
 * shrunk to a minimal request by fast-check; every route runs, and the test fails listing each failing route's
 * counterexample.
 */
const CI_RUNS_PER_SERVICE = 200;

describe('fuzz: HTTP routes of every service', () => {
  const stack = new TestStack(3);
  const receiver = new WebhookReceiver().on('/hook', () => 200);
  let db: DataSource;
  let key: string;
  const apps: Record<string, { app: INestApplication; port: number; document?: JsonSchema }> = {};
  const known: string[] = ['item-1', 'user-1', 'movies', 'exposure-entropy', 'cohort-1', 'u-1'];

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await receiver.start();
    await seedCatalogue(db, catalogue(20));
    const env = notifierEnv(
      stack,
      serviceEnv(stack, database.url, {
        ...DRIFT_TEST_ENV,
        RERANK_QUEUE_PREFIX: queuePrefix(stack),
        RERANK_BACKOFF_MS: '50',
        RERANK_JOB_ATTEMPTS: '2',
        DRIFT_RERANK_ENABLED: 'false',
        LEARNER_FLUSH_INTERVAL_MS: '100',
      }),
      {
        // Fuzzed URLs are all rewritten to the receiver (http://127.0.0.1): nothing else is ever a target.
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        // Quotas still count every request, but so high that 10,000 cases reach the handlers instead of a 429.
        GATEWAY_QUOTA_INGEST: '10000000',
        GATEWAY_QUOTA_READ: '10000000',
        GATEWAY_QUOTA_ADMIN: '10000000',
        NOTIFIER_QUOTA_SUBSCRIBER: '10000000',
        NOTIFIER_QUOTA_PING: '1000000',
        NOTIFIER_MAX_SUBSCRIPTIONS_PER_KEY: '100000',
        QUOTA_KEY_LOOKUPS_PER_ADDRESS: '1000000',
      },
    );
    const [gateway, notifier, learner, reranker, drift] = await Promise.all([startGateway(env), startNotifier(env), startLearner(env), startReranker(env), startDriftWatch(env)]);
    for (const [name, app] of Object.entries({ gateway: gateway.app, notifier: notifier.app, learner: learner.app, reranker: reranker.app, 'drift-watch': drift.app })) {
      const port = Number(new URL(await app.getUrl()).port);
      apps[name] = { app, port };
    }
    for (const name of ['gateway', 'notifier']) {
      apps[name]!.document = (await (await fetch(`http://127.0.0.1:${apps[name]!.port}/docs/openapi.json`)).json()) as JsonSchema;
    }
    // One key with every scope, so cases reach the handlers (authorization itself is fuzzed through the header).
    key = await stack.apiKey(db, ['admin', 'ingest', 'read', 'subscriber'], 'fuzz');
    // Things that exist, so path parameters sometimes name them: a subscription, a segment.
    const created = await fetch(`http://127.0.0.1:${apps.notifier!.port}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ url: `${receiver.url}/hook`, description: 'fuzz' }),
    });
    expect(created.status).toBe(201);
    known.push(((await created.json()) as { id: string }).id);
  });

  afterAll(async () => {
    for (const { app } of Object.values(apps)) await app.close().catch(() => undefined);
    await receiver.stop();
    await dropQueueKeys(stack);
    await stack.stop();
  });

  /** Fuzz every route of one service; returns the surface's tally. */
  async function fuzzService(name: string, runs: number): Promise<SurfaceTally> {
    const { app, port, document } = apps[name]!;
    const routes = routesOf(app);
    expect(routes.length).toBeGreaterThan(0);
    const t = tally(`http ${name} (${routes.length} routes)`);
    const perRoute = Math.max(1, Math.ceil(runs / routes.length));
    for (const route of routes) {
      const arbitrary = requestArbitrary(route, operationOf(document, route), document, { known, key, localUrl: `${receiver.url}/hook` });
      const property = fc.asyncProperty(arbitrary, async (request) => {
        t.cases++;
        const answer = await send(port, request);
        if (FUZZ_DEBUG) console.error(`[fuzz] ${name} ${answer.status} ${describeRequest(request).slice(0, 300)}`);
        if (answer.status >= 500 || answer.status === 0) {
          t.serverErrors++;
          throw new Error(`${answer.status || 'no answer'} from ${describeRequest(request)}: ${answer.body}`);
        }
      });
      const failure = failureOf(await fc.check(property, fuzzParameters(`${name} ${route.method} ${route.path}`, perRoute)));
      if (failure) t.failures.push(`${name} ${routeName(route)}\n${failure}`);
      const health = await send(port, { method: 'GET', path: '/health', headers: {} });
      if (health.status !== 200) t.failures.push(`${name} /health answered ${health.status} after fuzzing ${routeName(route)}: ${health.body}`);
    }
    report(t);
    return t;
  }

  const routeName = (route: Route) => `${route.method} ${route.path}`;

  it('gateway: no route answers 5xx to hostile path, query, body or authorization', { timeout: 1_800_000 }, async () => {
    const t = await fuzzService('gateway', fuzzRuns(CI_RUNS_PER_SERVICE));
    expect(t.failures).toEqual([]);
  });

  it('notifier: no route answers 5xx to hostile path, query, body or authorization', { timeout: 1_800_000 }, async () => {
    const t = await fuzzService('notifier', fuzzRuns(CI_RUNS_PER_SERVICE));
    expect(t.failures).toEqual([]);
  });

  it('learner, reranker, drift-watch: their ops routes answer no 5xx to hostile requests', { timeout: 1_800_000 }, async () => {
    const failures: string[] = [];
    for (const name of ['learner', 'reranker', 'drift-watch']) failures.push(...(await fuzzService(name, fuzzRuns(CI_RUNS_PER_SERVICE))).failures);
    expect(failures).toEqual([]);
  });
});
