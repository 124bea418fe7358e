import type { RerankBatchJobV1 } from '@chorus/contracts';
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CalibrateBatchUseCase, type BatchPhase, type BatchScoring, type CalibratedListsBatch } from './calibrate-batch.usecase';

/** The batch's phase timer (`reranker_batch_phase_seconds`): each step it takes is timed once, start and stop paired. */

const batch: RerankBatchJobV1 = { domain: 'movies', users: [{ userId: 'ann', modelVersion: '3.10' }], reason: { kind: 'manual' } };
const settings = { lambda: 0.5, n: 10, candidates: 10, alpha: 0.01, priorWeight: 0 };

function run(scoring: BatchScoring) {
  const events: string[] = [];
  const lists: CalibratedListsBatch = {
    findByJobs: async () => new Map(),
    insertMany: async () => ({ records: [], inserted: 0 }),
    markPublishedMany: async () => undefined,
  };
  const time = (phase: BatchPhase) => {
    events.push(`start ${phase}`);
    return () => void events.push(`stop ${phase}`);
  };
  return { events, result: new CalibrateBatchUseCase(scoring, lists, { emit: () => of(undefined) }, settings, time).execute(batch) };
}

describe('CalibrateBatchUseCase phase timing', () => {
  it('times find-stored, score, greedy, store and publish in that order, each stopped before the next starts', async () => {
    // A user whose model the reward library refuses: the batch still goes through every phase, and reports the user.
    const { events, result } = run({ scoreUnseenMany: async (userIds) => userIds.map((userId) => ({ userId, error: new Error('stored model refused') })), categories: async () => [] });
    expect((await result).failed).toEqual([{ userId: 'ann', error: 'Error: stored model refused' }]);
    expect(events).toEqual(['find-stored', 'score', 'greedy', 'store', 'publish'].flatMap((phase) => [`start ${phase}`, `stop ${phase}`]));
  });

  it('leaves a phase timed but unstopped when its step throws, so a failed read is not recorded as a fast one', async () => {
    const { events, result } = run({ scoreUnseenMany: async () => Promise.reject(new Error('postgres down')), categories: async () => [] });
    await expect(result).rejects.toThrow('postgres down');
    expect(events).toEqual(['start find-stored', 'stop find-stored', 'start score']);
  });
});
