import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { CalibratedListsRepository } from './calibrated-lists.repository';

const database = useMigratedDatabase('gateway_calibrated_lists');
let repository: CalibratedListsRepository;

const minorityShare = { categories: ['b', 'c'], profileShare: 0.25, listShareBefore: 0, listShare: 0.5 };

async function insertList(jobId: string, userId: string, domain: string, createdAt: string, items: { itemId: string; score: number }[]) {
  await database.db.query(
    `INSERT INTO calibrated_lists (list_id, job_id, user_id, domain, items, kl_before, kl_after, relevance_retained, minority_share, lambda, n, candidates, list_source, model_version, reason, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 0.5, 0.125, 0.9, $6, 0.5, 2, 40, 'accuracy', '3.10', '{}', $5)`,
    [jobId, userId, domain, JSON.stringify(items), createdAt, JSON.stringify(minorityShare)],
  );
}

beforeAll(async () => {
  repository = new CalibratedListsRepository(database.db);
  await insertList('job-old', 'u-1', 'news', '2026-01-01T00:00:00Z', [{ itemId: 'old', score: 1 }]);
  await insertList('job-new', 'u-1', 'news', '2026-01-02T00:00:00Z', [{ itemId: 'b', score: 2.5 }, { itemId: 'a', score: 1.25 }]);
  await insertList('job-other', 'u-1', 'movies', '2026-01-03T00:00:00Z', [{ itemId: 'm', score: 1 }]);
});

describe('CalibratedListsRepository (PostgreSQL)', () => {
  it("reads the user's newest list in the domain, items in rank order", async () => {
    const list = await repository.latest('u-1', 'news');
    expect({ ...list, listId: typeof list?.listId }).toEqual({
      listId: 'string',
      jobId: 'job-new',
      items: [{ itemId: 'b', score: 2.5 }, { itemId: 'a', score: 1.25 }],
      klBefore: 0.5,
      klAfter: 0.125,
      relevanceRetained: 0.9,
      lambda: 0.5,
      n: 2,
      candidates: 40,
      listSource: 'accuracy',
      minorityShare,
      modelVersion: '3.10',
      createdAt: new Date('2026-01-02T00:00:00Z'),
    });
  });

  it('undefined for a user or domain without a list', async () => {
    expect(await repository.latest('u-2', 'news')).toBeUndefined();
    expect(await repository.latest('u-1', 'books')).toBeUndefined();
  });
});
