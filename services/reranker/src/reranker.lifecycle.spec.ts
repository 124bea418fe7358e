import { JsonLogger, RetentionSweeper, type KafkaProducerClient, type RerankQueue } from '@chorus/platform';
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../test/support/poll';
import type { RerankProcessor } from './processors/rerank.processor';
import { loadRerankerConfig } from './reranker.config';
import { RerankerLifecycle } from './reranker.lifecycle';

/**
 * The reranker's start and stop order, the lifecycle being the unit under test: its collaborators (queue, worker,
 * Kafka clients, Redis) are stand-ins that record what was asked of them, in one shared journal; retention is the real
 * sweeper over an in-memory policy.
 */
function setup(options: { workerStops?: Error; resyncFails?: Error; quitFails?: Error; jobNeverFinishes?: boolean } = {}) {
  const journal: string[] = [];
  const logs: { level: string; message: string; error?: string; schedules?: string[] }[] = [];
  const logger = new JsonLogger('reranker', 'debug', (line) => logs.push(JSON.parse(line)));
  const config = loadRerankerConfig({ RERANK_SCHEDULE_EVERY_SECONDS: '3600', RERANK_SCHEDULE_DOMAINS: 'movies,books', RERANK_QUEUE_PREFIX: 'test', RERANK_SHUTDOWN_GRACE_MS: '50' });
  let reconnect: (() => void) | undefined;
  let syncs = 0;
  const queue = {
    async syncSchedules(domains: readonly string[], everyMs: number) {
      journal.push(`queue.syncSchedules ${domains.join(',')} every ${everyMs} ms`);
      if (++syncs > 1 && options.resyncFails) throw options.resyncFails;
      return domains.map((d) => `schedule.${d}`);
    },
    onReconnect(listener: () => void) {
      journal.push('queue.onReconnect');
      reconnect = listener;
    },
    async close() {
      journal.push('queue.close');
    },
  };
  const worker = {
    name: 'rerank',
    async run() {
      journal.push('worker.run');
      if (options.workerStops) throw options.workerStops;
    },
    async waitUntilReady() {
      journal.push('worker.waitUntilReady');
    },
    async close(force = false) {
      journal.push(force ? 'worker.close force' : 'worker.close');
      // An active job whose keys Redis lost: a graceful close waits for it for ever.
      if (options.jobNeverFinishes && !force) await new Promise(() => undefined);
    },
  };
  const retention = new RetentionSweeper(
    [
      {
        table: 'calibrated_lists',
        days: 30,
        async deleteBatch(days, limit) {
          journal.push(`retention.deleteBatch ${days} days, ${limit} rows`);
          return { calibrated_lists: 0 };
        },
      },
    ],
    { intervalMs: 3_600_000, batchSize: 500, log: logger.child('retention'), registry: new Registry(), metric: 'test_retention_deleted_rows_total' },
  );
  const admin = { disconnect: async () => void journal.push('admin.disconnect') };
  const producer = { connect: async () => void journal.push('producer.connect') };
  const redis = {
    async quit() {
      journal.push('workerRedis.quit');
      if (options.quitFails) throw options.quitFails;
      return 'OK';
    },
  };
  const lifecycle = new RerankerLifecycle(
    config,
    queue as unknown as RerankQueue,
    { worker } as unknown as RerankProcessor,
    retention,
    admin as unknown as Admin,
    producer as unknown as KafkaProducerClient,
    redis as unknown as Redis,
    logger,
  );
  return { lifecycle, journal, logs, reconnect: () => reconnect!() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RerankerLifecycle', () => {
  it('connects the producer before it syncs the schedules and runs the worker, then starts retention and says so', async () => {
    const { lifecycle, journal, logs } = setup();
    await lifecycle.onApplicationBootstrap();
    // Retention's first sweep starts at once, in the background.
    await pollUntil(async () => journal.at(-1), (last) => last?.startsWith('retention.') ?? false, { timeoutMs: 5_000, intervalMs: 5, what: 'the first retention sweep' });
    expect(journal).toEqual([
      'producer.connect',
      'queue.syncSchedules movies,books every 3600000 ms',
      'queue.onReconnect',
      'worker.run',
      'worker.waitUntilReady',
      'retention.deleteBatch 30 days, 500 rows',
    ]);
    expect(logs.filter((l) => l.level === 'info').map((l) => [l.message, l.schedules])).toEqual([['rerank worker started', ['schedule.movies', 'schedule.books']]]);
    await lifecycle.beforeApplicationShutdown();
  });

  it('puts the schedules back after a Redis reconnect, and logs a failure to do so instead of throwing', async () => {
    const { lifecycle, journal, logs, reconnect } = setup({ resyncFails: new Error('READONLY') });
    await lifecycle.onApplicationBootstrap();
    journal.length = 0;
    reconnect();
    await settle();
    expect(journal).toEqual(['queue.syncSchedules movies,books every 3600000 ms']);
    expect(logs.filter((l) => l.level === 'warn').map((l) => [l.message, l.error])).toEqual([
      ['restoring the rerank schedules after a Redis reconnect failed; restart the reranker', 'READONLY'],
    ]);
    await lifecycle.beforeApplicationShutdown();
  });

  it('logs a worker that stops running as an error', async () => {
    const { lifecycle, logs } = setup({ workerStops: new Error('connection lost') });
    await lifecycle.onApplicationBootstrap();
    await settle();
    expect(logs.filter((l) => l.level === 'error').map((l) => [l.message, l.error])).toEqual([['the rerank worker stopped', 'connection lost']]);
    await lifecycle.beforeApplicationShutdown();
  });

  it('stops retention and lets the worker finish its jobs before the queue, the admin and the worker\'s Redis close', async () => {
    const { lifecycle, journal } = setup({ quitFails: new Error('already closed') });
    await lifecycle.onApplicationBootstrap();
    journal.length = 0;
    await lifecycle.beforeApplicationShutdown();
    expect(journal).toEqual(['worker.close']);
    // A Redis connection already closed does not fail the shutdown.
    await expect(lifecycle.onApplicationShutdown()).resolves.toBeUndefined();
    expect(journal).toEqual(['worker.close', 'queue.close', 'admin.disconnect', 'workerRedis.quit']);
  });

  it('closes the worker without waiting once the shutdown grace has passed, when an active job never finishes', async () => {
    const { lifecycle, journal, logs } = setup({ jobNeverFinishes: true });
    await lifecycle.onApplicationBootstrap();
    journal.length = 0;
    await lifecycle.beforeApplicationShutdown();
    expect(journal).toEqual(['worker.close', 'worker.close force']);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['active rerank jobs did not finish within the shutdown grace; closing the worker without them']);
  });
});
