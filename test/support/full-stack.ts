import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DRIFT_TEST_ENV, startDriftWatch } from './drift-watch';
import { dropQueueKeys, notifierEnv, queuePrefix, startNotifier } from './notifier';
import { startReranker } from './reranker';
import { startGateway, startLearner } from './services';
import { serviceEnv, type TestStack } from './test-stack';

export const SERVICES = ['gateway', 'learner', 'reranker', 'drift-watch', 'notifier'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * All five services in this process on one test stack (own database, topic prefix, consumer groups and queue
 * prefix), each listening on a free port: what a test of the whole system (the console, the dashboard's metrics)
 * runs against. `stop` closes them and drops the stack's queue keys; the caller still stops the stack.
 */
export async function startFullStack(stack: TestStack, extraEnv: Record<string, string> = {}) {
  await stack.start();
  const database = await stack.database();
  const env = notifierEnv(
    stack,
    serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, RERANK_QUEUE_PREFIX: queuePrefix(stack), LEARNER_FLUSH_INTERVAL_MS: '100' }),
    { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...extraEnv },
  );
  // The gateway first: its origin is the one whose pages (the console) may call the notifier.
  const gateway = await startGateway(env);
  const gatewayOrigin = new URL(gateway.url.replace('[::1]', '127.0.0.1')).origin;
  const [notifier, learner, reranker, drift] = await Promise.all([
    startNotifier({ NOTIFIER_CORS_ORIGINS: gatewayOrigin, ...env }),
    startLearner(env),
    startReranker(env),
    startDriftWatch(env),
  ]);
  const apps: Record<ServiceName, INestApplication> = { gateway: gateway.app, learner: learner.app, reranker: reranker.app, 'drift-watch': drift.app, notifier: notifier.app };
  const urls = {} as Record<ServiceName, string>;
  for (const name of SERVICES) urls[name] = (await apps[name].getUrl()).replace('[::1]', '127.0.0.1');
  const fatal = () => [...learner.fatal, ...drift.fatal, ...notifier.fatal];
  const stop = async () => {
    await Promise.allSettled(Object.values(apps).map((app) => app.close()));
    await dropQueueKeys(stack);
  };
  return { db: database.db as DataSource, env, apps, urls, fatal, stop };
}
