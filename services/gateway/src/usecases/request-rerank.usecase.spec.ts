import { DomainError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { rerankRequestsHarness } from '../testing/in-memory-rerank-requests';

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the call to fail');
};

describe('RequestRerankUseCase.request', () => {
  it('records the request in Postgres before it enqueues, then marks it enqueued with the job ids it answers', async () => {
    const { queue, requests, request } = rerankRequestsHarness();
    queue.versions.set('ann', '3.40');
    const add = queue.add.bind(queue);
    const seenAtEnqueue: unknown[] = [];
    queue.add = async (jobs) => {
      seenAtEnqueue.push(...[...requests.rows.values()].map((r) => ({ state: r.state, jobIds: r.jobs.map((j) => j.jobId) })));
      return add(jobs);
    };
    const answer = await request.request({ domain: 'movies', userIds: ['ann', 'bob', 'ann'], lambda: 0.5 });
    expect(answer).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      state: 'enqueued',
      jobIds: ['user.movies.ann.v3.40', 'user.movies.bob.v0.0'],
      jobs: [
        { jobId: 'user.movies.ann.v3.40', name: 'rerank-user', userId: 'ann', modelVersion: '3.40' },
        { jobId: 'user.movies.bob.v0.0', name: 'rerank-user', userId: 'bob', modelVersion: '0.0' },
      ],
    });
    expect(seenAtEnqueue).toEqual([{ state: 'pending', jobIds: ['user.movies.ann.v3.40', 'user.movies.bob.v0.0'] }]);
    const row = requests.rows.get(answer.requestId)!;
    expect(row).toMatchObject({ state: 'enqueued', jobs: answer.jobs, enqueueError: null });
    // What is recorded is the validated job input: the operator's body turned into the queue's payload.
    expect(row.payload).toEqual({ scope: 'user', domain: 'movies', userIds: ['ann', 'bob', 'ann'], reason: { kind: 'manual' }, lambda: 0.5 });
  });

  it('records the job a fan-out joined (an equal one already queued), which is the id it answers', async () => {
    const { request, requests } = rerankRequestsHarness();
    const first = await request.request({ domain: 'movies', all: true });
    const second = await request.request({ domain: 'movies', all: true });
    expect(first.jobIds).toEqual(['fan-out.population.1']);
    expect(second.jobIds).toEqual(['fan-out.population.1']);
    expect(requests.rows.get(second.requestId)!.jobs.map((j) => j.jobId)).toEqual(['fan-out.population.1']);
  });

  it('with Redis down, answers pending with the ids its jobs will have, and the reconciler enqueues exactly those', async () => {
    const { queue, requests, request, reconciler, lines } = rerankRequestsHarness();
    queue.down = true;
    const answer = await request.request({ domain: 'movies', segment: { name: 'cohort', userIds: ['a', 'b'] } });
    expect(answer).toMatchObject({ state: 'pending', jobIds: ['fan-out.segment.1'], jobs: [{ jobId: 'fan-out.segment.1', name: 'rerank-fan-out' }] });
    expect(queue.jobs.size).toBe(0);
    expect(requests.rows.get(answer.requestId)).toMatchObject({ state: 'pending', enqueueError: expect.stringContaining('ECONNREFUSED') });
    expect(lines.map((l) => JSON.parse(l).message)).toContain('rerank request recorded but not enqueued; the reconciler enqueues it');

    await expect(reconciler.reconcile(3_600_000)).rejects.toThrow('ECONNREFUSED'); // still down: stays pending
    expect(requests.rows.get(answer.requestId)!.state).toBe('pending');
    queue.down = false;
    // The request path gave up (its error is recorded), so the reconciler takes it at once, not after the grace period.
    expect(await reconciler.reconcile(3_600_000)).toEqual({ enqueued: 1, restored: 0 });
    expect([...queue.jobs.keys()]).toEqual(['fan-out.segment.1']);
    expect(queue.jobs.get('fan-out.segment.1')!.data).toMatchObject({ scope: 'segment', segment: 'cohort', userIds: ['a', 'b'] });
    expect(requests.rows.get(answer.requestId)).toMatchObject({ state: 'enqueued', enqueueError: null });
  });

  it('with Postgres down, refuses with 503 RERANK.NOT_RECORDED and enqueues nothing', async () => {
    const { queue, requests, request } = rerankRequestsHarness();
    requests.down = true;
    const error = await failure(request.request({ domain: 'movies', userIds: ['ann'] }));
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('RERANK.NOT_RECORDED');
    expect(error.message).toContain('nothing was recorded or enqueued, retry it');
    expect(queue.calls).toEqual([]);
  });

  it('refuses an invalid body naming each field, recording and enqueuing nothing', async () => {
    const { queue, requests, request } = rerankRequestsHarness();
    const error = await failure(request.request({ domain: 'movies', userIds: ['ok', 'has space'], n: 0, extra: 1 }));
    expect(error.code).toBe('REQUEST.INVALID');
    expect(error.issues!.map((i) => i.path).sort()).toEqual(['(root)', 'n', 'userIds[1]']);
    expect(error.issues!.find((i) => i.path === '(root)')!.message).toContain('extra');
    expect(requests.rows.size).toBe(0);
    expect(queue.calls).toEqual([]);
  });
});
