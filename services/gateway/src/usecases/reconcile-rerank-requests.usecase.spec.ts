import { DomainError } from '@chorus/platform';
import { describe, expect, it } from 'vitest';
import { rerankRequestsHarness } from '../testing/in-memory-rerank-requests';
import { IN_FLIGHT_GRACE_MS } from './reconcile-rerank-requests.usecase';

const HOUR = 3_600_000;
const HORIZON = 7 * 24 * HOUR;

describe('ReconcileRerankRequestsUseCase', () => {
  it('adds again, with the same ids, the jobs Redis lost of requests enqueued within the horizon, and only those', async () => {
    const { queue, requests, request, reconciler, lines } = rerankRequestsHarness();
    requests.now = 0;
    const old = await request.request({ domain: 'movies', userIds: ['old'] });
    requests.now = 2 * HORIZON;
    const users = await request.request({ domain: 'movies', userIds: ['ann', 'bob'], n: 5 });
    const segment = await request.request({ domain: 'news', segment: { name: 's', userIds: ['x'] } });
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 0 }); // Redis knows every job
    expect(queue.calls.filter((c) => c.op === 'restore')).toEqual([]);

    queue.flush(); // Redis restarted without its data
    queue.versions.set('ann', '9.99'); // the model moved on meanwhile: the recorded id is still the one added
    requests.now += HOUR;
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 2 });
    expect([...queue.jobs.keys()].sort()).toEqual([...users.jobIds, ...segment.jobIds].sort());
    expect(queue.jobs.get(users.jobIds[0]!)!.data).toMatchObject({ scope: 'user', userIds: ['ann'], n: 5 });
    // Beyond the horizon an unknown job is one Redis removed after it finished: not added again.
    expect(queue.jobs.has(old.jobIds[0]!)).toBe(false);
    expect(lines.filter((l) => JSON.parse(l).message.startsWith('rerank jobs lost by Redis'))).toHaveLength(2);

    // A second round (or a second gateway's reconciler) finds nothing to do.
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 0 });
  });

  it('adds only the lost jobs of a request whose other jobs Redis still holds, and restarts its horizon', async () => {
    const { queue, requests, request, reconciler } = rerankRequestsHarness();
    const answer = await request.request({ domain: 'movies', userIds: ['ann', 'bob'] });
    queue.jobs.delete(answer.jobIds[1]!);
    requests.now = HORIZON - 1;
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 1 });
    expect(queue.calls.at(-1)).toEqual({ op: 'restore', jobIds: [answer.jobIds[1]] });
    queue.flush();
    requests.now = HORIZON + HOUR; // past the first enqueue's horizon, within the restore's
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 1 });
  });

  it('leaves a pending request without an error to its request path for the in-flight grace period, then enqueues it', async () => {
    const { queue, requests, reconciler } = rerankRequestsHarness();
    // Recorded by a request path that then died: pending, no error.
    await requests.record({ requestId: '00000000-0000-4000-8000-000000000001', payload: { scope: 'population', domain: 'movies', reason: { kind: 'manual' } }, jobs: [{ jobId: 'fan-out.population.p', name: 'rerank-fan-out' }] });
    requests.now = IN_FLIGHT_GRACE_MS;
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 0 });
    requests.now = IN_FLIGHT_GRACE_MS + 1;
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 1, restored: 0 });
    expect([...queue.jobs.keys()]).toEqual(['fan-out.population.p']);
  });

  it('skips, and logs, a recorded request the queue no longer accepts, and still restores the others', async () => {
    const { queue, request, reconciler, lines } = rerankRequestsHarness();
    const broken = await request.request({ domain: 'movies', userIds: ['ann'] });
    const fine = await request.request({ domain: 'movies', userIds: ['bob'] });
    queue.flush();
    const restore = queue.restore.bind(queue);
    queue.restore = async (input, jobs) => {
      if (input.userIds?.[0] === 'ann') throw new DomainError('RERANK.INVALID_JOB', 'the rerank job is not valid; fix the fields listed', [{ path: 'domain', message: 'x' }]);
      return restore(input, jobs);
    };
    expect(await reconciler.reconcile(HORIZON)).toEqual({ enqueued: 0, restored: 1 });
    expect([...queue.jobs.keys()]).toEqual(fine.jobIds);
    expect(queue.jobs.has(broken.jobIds[0]!)).toBe(false);
    expect(lines.map((l) => JSON.parse(l)).find((l) => l.level === 'error')).toMatchObject({ message: 'a recorded rerank request cannot be enqueued again; skipped', requestId: broken.requestId, code: 'RERANK.INVALID_JOB' });
  });

  it('runs one round at a time: a call during a round joins it', async () => {
    const { queue, request, reconciler } = rerankRequestsHarness();
    await request.request({ domain: 'movies', userIds: ['ann'] });
    queue.flush();
    const first = reconciler.reconcile(HORIZON);
    expect(reconciler.reconcile(HORIZON)).toBe(first);
    expect(await first).toEqual({ enqueued: 0, restored: 1 });
    await reconciler.idle();
    expect(queue.calls.filter((c) => c.op === 'restore')).toHaveLength(1);
  });
});
