import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { RerankRequestsRepository } from '../services/gateway/src/persistence/rerank-requests.repository';
import { gatewayRetentionPolicies } from '../services/gateway/src/persistence/retention.policy';
import { useMigratedDatabase } from './support/migrated-database';
import { backdate, sweeperOf } from './support/retention';

const HORIZON_SECONDS = 7 * 24 * 3600;
const payload = (userId: string) => ({ scope: 'user' as const, domain: 'movies', userIds: [userId], reason: { kind: 'manual' as const } });
const jobsOf = (userId: string) => [{ jobId: `user.movies.${userId}.v1.1`, name: 'rerank-user' as const, userId, modelVersion: '1.1' }];

/** The gateway's rerank_requests on a real, migrated Postgres: what the reconciler reads, and what retention deletes. */
describe('rerank_requests (gateway)', () => {
  const pg = useMigratedDatabase('rerank_requests');
  let repository: RerankRequestsRepository;
  const ids = Array.from({ length: 6 }, () => randomUUID()).sort();

  beforeAll(() => {
    repository = new RerankRequestsRepository(pg.db);
  });

  it('gives the reconciler pending requests once their request path gave up or died, and enqueued ones within the horizon', async () => {
    const [gaveUp, inFlight, died, recent, old, paged] = ids as [string, string, string, string, string, string];
    for (const [id, user] of [[gaveUp, 'a'], [inFlight, 'b'], [died, 'c'], [recent, 'd'], [old, 'e'], [paged, 'f']] as const) {
      await repository.record({ requestId: id, payload: payload(user), jobs: jobsOf(user) });
    }
    await repository.markEnqueueFailed(gaveUp, 'the rerank queue was unreachable');
    await backdate(pg.db, 'rerank_requests', 'requested_at', 1, 'request_id = $2', [died]);
    for (const id of [recent, old, paged]) await repository.markEnqueued(id, jobsOf('moved'));
    await backdate(pg.db, 'rerank_requests', 'enqueued_at', 8, 'request_id = $2', [old]);

    expect((await repository.pending(30_000, 10)).map((r) => r.requestId)).toEqual([gaveUp, died]);
    const [first] = await repository.pending(30_000, 10);
    expect(first).toEqual({ requestId: gaveUp, payload: payload('a'), jobs: jobsOf('a') });
    expect((await repository.recentlyEnqueued(HORIZON_SECONDS * 1000, 10)).map((r) => r.requestId)).toEqual([recent, paged]);
    expect((await repository.recentlyEnqueued(HORIZON_SECONDS * 1000, 1, recent)).map((r) => r.requestId)).toEqual([paged]);
    expect((await repository.recentlyEnqueued(HORIZON_SECONDS * 1000, 10))[0]!.jobs).toEqual(jobsOf('moved'));

    // An enqueue error never lands on a request already enqueued (a late report of a path that raced the reconciler).
    await repository.markEnqueueFailed(recent, 'late');
    expect((await pg.db.query(`SELECT state, enqueue_error FROM rerank_requests WHERE request_id = $1`, [recent]))[0]).toEqual({ state: 'enqueued', enqueue_error: null });
  });

  it('refuses a state that contradicts enqueued_at', async () => {
    await expect(pg.db.query(`UPDATE rerank_requests SET state = 'enqueued' WHERE request_id = $1`, [ids[0]])).rejects.toThrow(/rerank_requests_enqueued_at/);
    await expect(pg.db.query(`UPDATE rerank_requests SET state = 'done' WHERE request_id = $1`, [ids[0]])).rejects.toThrow(/rerank_requests_state/);
  });

  it('retention deletes old requests enqueued beyond the horizon, never a pending one or one the reconciler still checks', async () => {
    const [gaveUp, inFlight, died, recent, old, paged] = ids as [string, string, string, string, string, string];
    // All requested 40 days ago; `old` last enqueued 8 days ago (beyond the 7-day horizon), `recent` and `paged` now.
    await backdate(pg.db, 'rerank_requests', 'requested_at', 40, 'true');
    const { sweeper, counted } = sweeperOf(gatewayRetentionPolicies(pg.db, { GATEWAY_RERANK_REQUEST_RETENTION_DAYS: 30, RERANK_KEEP_COMPLETED_SECONDS: HORIZON_SECONDS }), 1);
    expect(await sweeper.sweep()).toEqual({ deleted: { rerank_requests: 1 }, batches: 2, failed: [] });
    expect(await counted('rerank_requests')).toBe(1);
    const left = (await pg.db.query(`SELECT request_id FROM rerank_requests ORDER BY request_id`)).map((r: { request_id: string }) => r.request_id);
    expect(left).toEqual([gaveUp, inFlight, died, recent, paged]);
    expect(left).not.toContain(old);
    // Within its retention period a request is kept whatever its state.
    await backdate(pg.db, 'rerank_requests', 'enqueued_at', 8, 'request_id = $2', [recent]);
    await backdate(pg.db, 'rerank_requests', 'requested_at', 29, 'request_id = $2', [recent]);
    expect(await sweeper.sweep()).toEqual({ deleted: {}, batches: 1, failed: [] });
  });
});
