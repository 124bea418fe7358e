import { JsonLogger, RetentionSweeper } from '@chorus/platform';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { expectNothingNewFor, pollUntil } from '../../../test/support/poll';
import { LearnerRetention } from './learner.retention';

describe('LearnerRetention', () => {
  it('sweeps at start, then not again once stopped', async () => {
    const batches: [string, number, number][] = [];
    const policy = (table: string, days: number) => ({ table, days, deleteBatch: async (d: number, limit: number) => (batches.push([table, d, limit]), { [table]: 0 }) });
    const sweeper = new RetentionSweeper([policy('learner_prequential_auc', 90), policy('prequential_predictions', 30)], {
      intervalMs: 20,
      batchSize: 50,
      log: new JsonLogger('learner', 'error', () => undefined).child('retention'),
      registry: new Registry(),
      metric: 'test_learner_retention_deleted_rows_total',
    });
    const retention = new LearnerRetention(sweeper);
    retention.onApplicationBootstrap();
    await pollUntil(async () => batches.length, (n) => n >= 2, { timeoutMs: 5_000, intervalMs: 5, what: 'the first sweep' });
    expect(batches.slice(0, 2)).toEqual([
      ['learner_prequential_auc', 90, 50],
      ['prequential_predictions', 30, 50],
    ]);
    await retention.beforeApplicationShutdown();
    // Ten sweep intervals pass without a batch.
    await expectNothingNewFor(200, () => batches.length, { intervalMs: 10, what: 'the retention batches after stop' });
  });
});
