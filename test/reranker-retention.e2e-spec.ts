import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CalibratedListsRepository as ServedLists } from '../services/gateway/src/persistence/calibrated-lists.repository';
import { CalibratedListsRepository } from '../services/reranker/src/persistence/calibrated-lists.repository';
import { rerankerRetentionPolicies } from '../services/reranker/src/persistence/retention.policy';
import { dropQueueKeys, queuePrefix } from './support/notifier';
import { pollUntil } from './support/poll';
import { counterValue, startReranker } from './support/reranker';
import { backdate, sweeperOf } from './support/retention';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * The reranker's retention on the real Postgres: a calibrated list goes once it is older than its period (write time),
 * published, and superseded by a newer list of the same user and domain. The newest list of each user and domain is
 * what the gateway serves, at any age while the model has not moved, so serving is unchanged by a sweep. Lists are
 * written through the reranker's repository (insert once per job, then mark published), then backdated.
 */
describe('reranker retention', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let url: string;
  let lists: CalibratedListsRepository;

  /** Stores the list of job `jobId` as a rerank job does, published unless told otherwise. */
  const store = async (jobId: string, userId: string, domain: string, { published = true } = {}) => {
    const { record } = await lists.insertOnce({
      jobId,
      userId,
      domain,
      items: [{ itemId: 'm-1', score: 1.2, relevance: 0.77 }],
      klBefore: 0.4,
      klAfter: 0.1,
      relevanceRetained: 0.95,
      minorityShare: { categories: ['documentary'], profileShare: 0.3, listShare: 0.3, listShareBefore: 0 },
      lambda: 0.5,
      n: 1,
      candidates: 10,
      listSource: 'greedy',
      modelVersion: '40.900',
      reason: { kind: 'manual' },
    });
    if (published) await lists.markPublished(record.listId);
  };
  const ageDays = (days: number, ...jobIds: string[]) => backdate(db, 'calibrated_lists', 'created_at', days, 'job_id = ANY ($2::text[])', [jobIds]);
  const jobIds = async () => (await db.query(`SELECT job_id FROM calibrated_lists ORDER BY job_id`)).map((r: { job_id: string }) => r.job_id);

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    lists = new CalibratedListsRepository(db);
  });

  beforeEach(async () => {
    await db.query(`TRUNCATE calibrated_lists`);
  });

  afterAll(async () => {
    await dropQueueKeys(stack);
    await stack.stop();
  });

  it('deletes old, published, superseded lists; keeps each user and domain newest, unpublished and recent ones; serving is unchanged', async () => {
    await store('ann-movies-40d', 'ann', 'movies');
    await store('ann-movies-35d', 'ann', 'movies');
    await store('ann-movies-31d', 'ann', 'movies'); // newest of ann/movies: kept, though past the period
    await store('ann-news-40d', 'ann', 'news'); // the only list of ann/news
    await store('bob-movies-40d-unpublished', 'bob', 'movies', { published: false });
    await store('bob-movies-1d', 'bob', 'movies');
    await store('cem-movies-40d', 'cem', 'movies');
    await store('cem-movies-10d', 'cem', 'movies');
    await ageDays(40, 'ann-movies-40d', 'ann-news-40d', 'bob-movies-40d-unpublished', 'cem-movies-40d');
    await ageDays(35, 'ann-movies-35d');
    await ageDays(31, 'ann-movies-31d');
    await ageDays(1, 'bob-movies-1d');
    await ageDays(10, 'cem-movies-10d');
    // Two lists stored at the same moment: neither is newer than the other, so both stay.
    await store('dia-movies-tie-a', 'dia', 'movies');
    await store('dia-movies-tie-b', 'dia', 'movies');
    await db.query(`UPDATE calibrated_lists SET created_at = now() - interval '40 days' WHERE user_id = 'dia'`);

    const served = new ServedLists(db);
    const keys = [['ann', 'movies'], ['ann', 'news'], ['bob', 'movies'], ['cem', 'movies']] as const;
    const servedJobs = async () => Promise.all(keys.map(async ([user, domain]) => (await served.latest(user, domain))?.jobId));
    const before = await servedJobs();
    expect(before).toEqual(['ann-movies-31d', 'ann-news-40d', 'bob-movies-1d', 'cem-movies-10d']);

    const off = sweeperOf(rerankerRetentionPolicies(db, { RERANK_LIST_RETENTION_DAYS: 0 }), 1_000);
    expect(await off.sweeper.sweep()).toEqual({ deleted: {}, batches: 0, failed: [] });

    const { sweeper, counted } = sweeperOf(rerankerRetentionPolicies(db, { RERANK_LIST_RETENTION_DAYS: 30 }), 1_000);
    expect(await sweeper.sweep()).toEqual({ deleted: { calibrated_lists: 3 }, batches: 1, failed: [] });
    expect(await jobIds()).toEqual(['ann-movies-31d', 'ann-news-40d', 'bob-movies-1d', 'bob-movies-40d-unpublished', 'cem-movies-10d', 'dia-movies-tie-a', 'dia-movies-tie-b']);
    expect(await servedJobs()).toEqual(before);
    expect(await counted('calibrated_lists')).toBe(3);
  });

  it('deletes a backlog larger than a batch in bounded statements, oldest first, down to the newest list', async () => {
    // 2,500 published lists of one user, list i stored 31 days + i seconds ago (list 0 is the newest).
    await db.query(
      `INSERT INTO calibrated_lists (job_id, user_id, domain, items, kl_before, kl_after, minority_share, lambda, n, candidates, list_source, model_version, reason, created_at, published_at)
       SELECT 'backlog-' || i, 'eve', 'movies', '[]', 0, 0, '{}', 0.5, 0, 0, 'greedy', i::text, '{"kind":"schedule"}', now() - interval '31 days' - i * interval '1 second', now()
         FROM generate_series(0, 2499) AS i`,
    );
    const left = async () => (await db.query(`SELECT model_version::int AS i FROM calibrated_lists ORDER BY 1`)).map((r: { i: number }) => r.i);
    const policies = rerankerRetentionPolicies(db, { RERANK_LIST_RETENTION_DAYS: 30 });
    expect(await policies[0]!.deleteBatch(30, 1_000)).toEqual({ calibrated_lists: 1_000 });
    expect(await left()).toEqual(Array.from({ length: 1_500 }, (_, i) => i)); // the 1,000 oldest went

    const { sweeper } = sweeperOf(policies, 1_000);
    expect(await sweeper.sweep()).toEqual({ deleted: { calibrated_lists: 1_499 }, batches: 2, failed: [] });
    expect(await left()).toEqual([0]);
  });

  it('the running reranker sweeps on its interval and counts what it deleted in /metrics', async () => {
    await store('fay-old', 'fay', 'movies');
    await store('fay-new', 'fay', 'movies');
    await ageDays(31, 'fay-old');
    const reranker = await startReranker(serviceEnv(stack, url, { RERANK_QUEUE_PREFIX: queuePrefix(stack), RERANK_RETENTION_INTERVAL_MS: '1000' }));
    try {
      await pollUntil(jobIds, (ids) => ids.join() === 'fay-new', { what: 'the superseded list to be deleted' });
      expect(counterValue(await reranker.registry.metrics(), 'reranker_retention_deleted_rows_total', { table: 'calibrated_lists' })).toBe(1);
    } finally {
      await reranker.app.close();
    }
  });
});
