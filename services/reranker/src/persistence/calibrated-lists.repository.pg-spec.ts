import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { CalibratedListsRepository, type NewCalibratedList } from './calibrated-lists.repository';
import { rerankerRetentionPolicies } from './retention.policy';

/** The reranker's store of record on a real migrated Postgres: one list per job id, published once. */

const pg = useMigratedDatabase('reranker_lists');
let lists: CalibratedListsRepository;
beforeAll(() => {
  lists = new CalibratedListsRepository(pg.db);
});

const list = (jobId: string, userId = 'ann', overrides: Partial<NewCalibratedList> = {}): NewCalibratedList => ({
  jobId,
  userId,
  domain: 'movies',
  items: [
    { itemId: 'd-1', score: 3, relevance: 0.95 },
    { itemId: 'c-1', score: -1, relevance: 0.25 },
  ],
  klBefore: 1.5,
  klAfter: 0.125,
  relevanceRetained: 0.75,
  minorityShare: { categories: ['comedy'], profileShare: 0.125, listShare: 0.5, listShareBefore: 0 },
  lambda: 0.5,
  n: 2,
  candidates: 3,
  listSource: 'greedy',
  modelVersion: '4.10',
  reason: { kind: 'alert', alertId: 'a-1' },
  ...overrides,
});

describe('CalibratedListsRepository', () => {
  it('stores a job\'s list and reads it back as stored, unpublished', async () => {
    const { record, inserted } = await lists.insertOnce(list('job-1'));
    expect(inserted).toBe(true);
    expect(record.listId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(record.createdAt).toBeInstanceOf(Date);
    expect(record.publishedAt).toBeNull();
    const { listId: _listId, createdAt: _createdAt, publishedAt: _publishedAt, ...stored } = record;
    expect(stored).toEqual(list('job-1'));
    expect(await lists.findByJob('job-1')).toEqual(record);
    expect(await lists.findByJob('job-unknown')).toBeUndefined();
  });

  it('keeps the first list of a job: a second insert (a duplicate run) returns the stored one, not its own', async () => {
    const first = await lists.insertOnce(list('job-2', 'bob'));
    const second = await lists.insertOnce(list('job-2', 'bob', { items: [], klAfter: 9, relevanceRetained: null, listSource: 'accuracy-list' }));
    expect(second).toEqual({ record: first.record, inserted: false });
    expect(await pg.db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE job_id = 'job-2'`)).toEqual([{ n: 1 }]);
  });

  it('inserts a batch in one statement and returns each list as a read would find it; a job already stored keeps its list', async () => {
    const kept = (await lists.insertOnce(list('job-b1', 'eve'))).record;
    const { records, inserted } = await lists.insertMany([list('job-b1', 'eve', { klAfter: 7 }), list('job-b2', 'fay', { relevanceRetained: null }), list('job-b3', 'gus', { n: 1 })]);
    expect(inserted).toBe(2);
    // The returned records are built from what was sent and the columns Postgres made: they must equal the stored rows.
    const stored = await lists.findByJobs(['job-b1', 'job-b2', 'job-b3']);
    expect(new Map(records.map((record) => [record.jobId, record]))).toEqual(stored);
    expect(stored.get('job-b1')).toEqual(kept);
    // The retention test below counts every row of the table.
    await pg.db.query(`DELETE FROM calibrated_lists WHERE job_id LIKE 'job-b_'`);
  });

  it('stores a null relevanceRetained as null', async () => {
    expect((await lists.insertOnce(list('job-3', 'cyd', { relevanceRetained: null }))).record.relevanceRetained).toBeNull();
  });

  it('marks a list published once: a second mark keeps the first time', async () => {
    const { record } = await lists.insertOnce(list('job-4', 'dee'));
    await lists.markPublished(record.listId);
    const published = (await lists.findByJob('job-4'))!.publishedAt;
    expect(published).toBeInstanceOf(Date);
    await pg.db.query(`SELECT pg_sleep(0.01)`);
    await lists.markPublished(record.listId);
    expect((await lists.findByJob('job-4'))!.publishedAt).toEqual(published);
  });
});

describe('reranker retention', () => {
  const age = (jobId: string, days: number) => pg.db.query(`UPDATE calibrated_lists SET created_at = now() - make_interval(days => $2) WHERE job_id = $1`, [jobId, days]);

  it('deletes only expired lists that are published and superseded by a newer list of the same user and domain', async () => {
    for (const jobId of ['old-published', 'old-unpublished', 'old-published-2', 'other-domain-old']) {
      await lists.insertOnce(list(jobId, 'eve', jobId === 'other-domain-old' ? { domain: 'books' } : {}));
    }
    await lists.insertOnce(list('fresh-superseded', 'eve'));
    await lists.insertOnce(list('fresh-newest', 'eve'));
    for (const jobId of ['old-published', 'old-published-2', 'other-domain-old', 'fresh-superseded']) await lists.markPublished((await lists.findByJob(jobId))!.listId);
    await age('old-published', 40);
    await age('old-unpublished', 40);
    await age('other-domain-old', 40);
    await age('old-published-2', 35);
    await age('fresh-superseded', 2);
    await age('fresh-newest', 1);

    const [policy] = rerankerRetentionPolicies(pg.db, { RERANK_LIST_RETENTION_DAYS: 30 });
    expect(policy!.table).toBe('calibrated_lists');
    expect(await policy!.deleteBatch(30, 100)).toEqual({ calibrated_lists: 2 });
    const left: { job_id: string }[] = await pg.db.query(`SELECT job_id FROM calibrated_lists WHERE user_id = 'eve' ORDER BY job_id`);
    // Kept: unpublished (its event is still owed), the only list of its domain, and everything within 30 days.
    expect(left.map((r) => r.job_id)).toEqual(['fresh-newest', 'fresh-superseded', 'old-unpublished', 'other-domain-old']);
  });
});
