import { describe, expect, it } from 'vitest';
import { InMemoryDeliveries, recordingLogger, RecordingQueue } from '../testing/in-memory-ports';
import { DispatchDeliveriesUseCase } from './dispatch-deliveries.usecase';

function setup() {
  const deliveries = new InMemoryDeliveries();
  const queue = new RecordingQueue();
  const { lines, logger } = recordingLogger();
  return { deliveries, queue, lines, dispatch: new DispatchDeliveriesUseCase(queue, deliveries, logger.child('dispatch')) };
}

describe('DispatchDeliveriesUseCase', () => {
  it('enqueues, then marks enqueued; nothing to dispatch touches nothing', async () => {
    const { deliveries, queue, dispatch } = setup();
    await dispatch.dispatch([{ deliveryId: 'd-1', jobId: 'alert.s.a1' }]);
    await dispatch.dispatch([]);
    expect(queue.batches).toEqual([[{ deliveryId: 'd-1', jobId: 'alert.s.a1' }]]);
    expect([...deliveries.enqueued]).toEqual(['d-1']);
  });

  it('the sweep enqueues deliveries an interrupted dispatch left in the outbox, and says how many', async () => {
    const { deliveries, queue, lines, dispatch } = setup();
    deliveries.stranded = [
      { id: 'd-1', jobId: 'alert.s.a1' },
      { id: 'd-2', jobId: 'ping.d-2' },
    ];
    expect(await dispatch.sweep(30_000)).toBe(2);
    expect(queue.batches).toEqual([[{ deliveryId: 'd-1', jobId: 'alert.s.a1' }, { deliveryId: 'd-2', jobId: 'ping.d-2' }]]);
    expect(lines.find((l) => l.message === 'enqueued deliveries left behind by an interrupted dispatch')).toMatchObject({ level: 'warn', count: 2, jobIds: ['alert.s.a1', 'ping.d-2'] });
    expect(await dispatch.sweep(30_000)).toBe(0);
  });

  it('the sweep first puts back deliveries whose job Redis lost, then enqueues them again in the same sweep', async () => {
    const { deliveries, queue, lines, dispatch } = setup();
    deliveries.open.set('d-1', 'alert.s.a1');
    deliveries.open.set('d-2', 'alert.s.a2');
    await dispatch.dispatch([{ deliveryId: 'd-1', jobId: 'alert.s.a1' }, { deliveryId: 'd-2', jobId: 'alert.s.a2' }]);
    queue.lost.add('alert.s.a2');
    expect(await dispatch.sweep(0)).toBe(1);
    expect(queue.batches.at(-1)).toEqual([{ deliveryId: 'd-2', jobId: 'alert.s.a2' }]);
    expect(lines.find((l) => l.message === 'delivery jobs lost by Redis; enqueuing them again')).toMatchObject({ count: 1, jobIds: ['alert.s.a2'] });
  });

  it('pages the reconciliation through more than 1000 open deliveries', async () => {
    const { deliveries, queue, dispatch } = setup();
    const ids = Array.from({ length: 1001 }, (_, i) => `d-${String(i).padStart(4, '0')}`);
    for (const id of ids) deliveries.open.set(id, `job-${id}`);
    await dispatch.dispatch(ids.map((id) => ({ deliveryId: id, jobId: `job-${id}` })));
    queue.lost.add('job-d-1000');
    expect(await dispatch.sweep(0)).toBe(1);
    expect(queue.batches.at(-1)).toEqual([{ deliveryId: 'd-1000', jobId: 'job-d-1000' }]);
  });

  it('a sweep while one runs returns 0 at once', async () => {
    const { deliveries, dispatch } = setup();
    deliveries.stranded = [{ id: 'd-1', jobId: 'j-1' }];
    const [first, second] = await Promise.all([dispatch.sweep(0), dispatch.sweep(0)]);
    expect([first, second]).toEqual([1, 0]);
  });
});
