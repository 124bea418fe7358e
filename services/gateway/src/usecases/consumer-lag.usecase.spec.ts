import { describe, expect, it } from 'vitest';
import { ConsumerLagUseCase, type KafkaOffsetsPort } from './consumer-lag.usecase';

/** A broker's answers, counting how often it is asked (the use case is pure over this port). */
function broker(committed: Record<string, Record<number, string>>, options: { hang?: boolean; fail?: string } = {}) {
  const calls = { offsets: 0, watermarks: 0 };
  const port = {
    fetchTopicOffsets: async (topic: string) => {
      calls.watermarks++;
      if (options.hang) await new Promise(() => undefined);
      if (options.fail) throw new Error(options.fail);
      return topic === 'feedback'
        ? [
            { partition: 1, offset: '40', high: '40', low: '5' },
            { partition: 0, offset: '100', high: '100', low: '0' },
          ]
        : [{ partition: 0, offset: '7', high: '7', low: '2' }];
    },
    fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) => {
      calls.offsets++;
      const topic = topics[0]!;
      const mine = committed[`${groupId}/${topic}`] ?? {};
      return [{ topic, partitions: Object.entries(mine).map(([partition, offset]) => ({ partition: Number(partition), offset, metadata: null })) }];
    },
  } as unknown as KafkaOffsetsPort;
  return { port, calls };
}

describe('ConsumerLagUseCase', () => {
  const subjects = [
    { group: 'learner', topic: 'feedback' },
    { group: 'drift', topic: 'exposures' },
  ];

  it('is the end offset minus the committed one per partition, and from the low watermark where nothing is committed', async () => {
    const { port } = broker({ 'learner/feedback': { 0: '90', 1: '-1' } });
    const lag = await new ConsumerLagUseCase(port, subjects, { cacheMs: 0, timeoutMs: 1_000 }).lag();
    expect(lag.groups).toEqual([
      {
        group: 'learner',
        topic: 'feedback',
        totalLag: 45,
        partitions: [
          { partition: 0, endOffset: '100', committedOffset: '90', lag: 10 },
          { partition: 1, endOffset: '40', committedOffset: null, lag: 35 },
        ],
      },
      { group: 'drift', topic: 'exposures', totalLag: 5, partitions: [{ partition: 0, endOffset: '7', committedOffset: null, lag: 5 }] },
    ]);
  });

  it('asks the broker once per cache period however many pages ask, and again after it', async () => {
    const { port, calls } = broker({});
    let now = 1_000_000;
    const usecase = new ConsumerLagUseCase(port, subjects, { cacheMs: 5_000, timeoutMs: 1_000 }, () => now);
    const answers = await Promise.all([usecase.lag(), usecase.lag(), usecase.lag()]);
    now += 4_999;
    await usecase.lag();
    expect(calls).toEqual({ offsets: 2, watermarks: 2 });
    expect(new Set(answers).size).toBe(1);
    now += 1;
    await usecase.lag();
    expect(calls).toEqual({ offsets: 4, watermarks: 4 });
  });

  it('answers KAFKA.UNAVAILABLE when the broker does not answer in time, and asks again on the next call', async () => {
    const { port, calls } = broker({}, { hang: true });
    const usecase = new ConsumerLagUseCase(port, subjects, { cacheMs: 60_000, timeoutMs: 50 });
    await expect(usecase.lag()).rejects.toMatchObject({ code: 'KAFKA.UNAVAILABLE', message: expect.stringContaining('50 ms') });
    await expect(usecase.lag()).rejects.toMatchObject({ code: 'KAFKA.UNAVAILABLE' });
    expect(calls.watermarks).toBe(4);
  });

  it('answers KAFKA.UNAVAILABLE with the broker reason when it refuses', async () => {
    const { port } = broker({}, { fail: 'This server does not host this topic-partition' });
    await expect(new ConsumerLagUseCase(port, subjects, { cacheMs: 0, timeoutMs: 1_000 }).lag()).rejects.toMatchObject({
      code: 'KAFKA.UNAVAILABLE',
      message: expect.stringContaining('does not host this topic-partition'),
    });
  });
});
