import type { RerankJobV1 } from '@chorus/contracts';
import { JsonLogger, RERANK_JOB, type EnqueuedRerankJob } from '@chorus/platform';
import { type ScoringItem, type UserScores } from '@chorus/scoring';
import { UnrecoverableError } from 'bullmq';
import { Registry } from 'prom-client';
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CalibratedListRecord, NewCalibratedList } from '../persistence/calibrated-lists.repository';
import { CalibrateUserUseCase, relevanceOf, type CalibratedLists, type CalibrationSettings, type UserScoring } from '../usecases/calibrate-user.usecase';
import { CalibrateBatchUseCase, type BatchScoring, type CalibratedListsBatch } from '../usecases/calibrate-batch.usecase';
import { FanOutRerankUseCase } from '../usecases/fan-out-rerank.usecase';
import { assertOneHandlerPerJobName, RerankProcessor, type RerankJobHandle } from './rerank.processor';

describe('job handlers', () => {
  it('accept exactly one handler per job name', () => {
    const handler = async () => undefined;
    const all = { [RERANK_JOB.user]: handler, [RERANK_JOB.fanOut]: handler, [RERANK_JOB.batch]: handler };
    expect(() => assertOneHandlerPerJobName(all)).not.toThrow();
    expect(() => assertOneHandlerPerJobName({ [RERANK_JOB.user]: handler })).toThrow(/missing rerank-fan-out, rerank-batch/);
    expect(() => assertOneHandlerPerJobName({ ...all, other: handler })).toThrow(/orphaned other/);
  });
});

describe('relevanceOf', () => {
  it('is σ(logit): 1/2 at 0, symmetric, in [0, 1] without overflow', () => {
    expect(relevanceOf(0)).toBe(0.5);
    expect(relevanceOf(2) + relevanceOf(-2)).toBeCloseTo(1, 15);
    expect(relevanceOf(1000)).toBe(1);
    expect(relevanceOf(-1000)).toBe(0);
  });
});

/** process() with the real use cases over in-memory ports; no BullMQ worker is created (no Redis). */
describe('RerankProcessor.process', () => {
  const item = (itemId: string, categories: Record<string, number>): ScoringItem => ({ itemId, categories, userX: new Map(), aggregateX: new Map() });

  // A household: persona 0 (70% of the events) is served the dramas, persona 3 (30%) the lower-ranked comedies.
  const household: Pick<UserScores, 'ranked' | 'personaShares'> = {
    ranked: [
      ...Array.from({ length: 10 }, (_, k) => ({ item: item(`d-${k}`, { drama: 1 }), logit: 3 - k * 0.1, persona: { id: 0, label: 'drama' } })),
      ...Array.from({ length: 10 }, (_, k) => ({ item: item(`c-${k}`, { comedy: 1 }), logit: 1 - k * 0.1, persona: { id: 3, label: 'comedy' } })),
    ],
    personaShares: { 0: 0.7, 3: 0.3 },
  };

  function setup(options: { candidateCategories?: Record<string, number>; listsFail?: Error; calibrateToPersonas?: boolean } = {}) {
    const scoring: UserScoring = {
      async scoreUnseen(userId, domain): Promise<UserScores> {
        return {
          userId,
          domain,
          modelVersion: '1.2',
          seen: new Set(['h-1']),
          history: [item('h-1', { drama: 1 })],
          unseen: 20,
          ...(options.calibrateToPersonas ? household : { ranked: [{ item: item('d-1', options.candidateCategories ?? { drama: 1 }), logit: 1 }] }),
        };
      },
      async categories() {
        return [];
      },
    };
    const stored: CalibratedListRecord[] = [];
    const lists: CalibratedLists = {
      async findByJob(jobId) {
        return stored.find((r) => r.jobId === jobId);
      },
      async insertOnce(list: NewCalibratedList) {
        if (options.listsFail) throw options.listsFail;
        const record = { ...list, listId: '00000000-0000-4000-8000-000000000001', createdAt: new Date('2026-12-01T00:00:00Z'), publishedAt: null };
        stored.push(record);
        return { record, inserted: true };
      },
      async markPublished() {},
    };
    const settings: CalibrationSettings = options.calibrateToPersonas
      ? { lambda: 0.9, n: 10, candidates: 20, alpha: 0.01, priorWeight: 0, calibrateTo: 'personas' }
      : { lambda: 0.5, n: 10, candidates: 10, alpha: 0.01, priorWeight: 0 };
    const calibrate = new CalibrateUserUseCase(scoring, lists, { emit: () => of(undefined) }, settings);
    const batchScoring: BatchScoring = {
      async scoreUnseenMany(userIds, domain) {
        // "poisoned" stands for a user whose stored model the reward library refuses.
        return Promise.all(userIds.map(async (userId) => (userId === 'poisoned' ? { userId, error: new Error('stored model refused') } : { userId, scores: await scoring.scoreUnseen(userId, domain, 10) })));
      },
      categories: scoring.categories,
    };
    const batchLists: CalibratedListsBatch = {
      async findByJobs(jobIds) {
        return new Map(stored.filter((r) => jobIds.includes(r.jobId)).map((r) => [r.jobId, r]));
      },
      async insertMany(news) {
        const records = await Promise.all(news.map(async (list) => (await lists.insertOnce(list)).record));
        return { records, inserted: records.length };
      },
      async markPublishedMany() {},
    };
    const calibrateBatch = new CalibrateBatchUseCase(batchScoring, batchLists, { emit: () => of(undefined) }, settings);
    const enqueued: string[][] = [];
    const fanOut = new FanOutRerankUseCase(
      { aggregateEventsSeen: async () => 5, userEventsSeen: async (_d, ids) => new Map(ids.map((id) => [id, 1])), usersPage: async () => [] },
      {
        enqueueBatches: async (_t, users): Promise<EnqueuedRerankJob[]> => {
          enqueued.push(users.map((u) => u.userId));
          return [{ jobId: 'batch.1', name: RERANK_JOB.batch }];
        },
      },
      100,
    );
    const logs: { level: string; message: string }[] = [];
    const registry = new Registry();
    const processor = new RerankProcessor(
      calibrate,
      fanOut,
      calibrateBatch,
      new JsonLogger('reranker', 'debug', (line) => logs.push(JSON.parse(line))).child('rerank'),
      registry,
    );
    const progress: unknown[] = [];
    const job = (name: string, data: unknown): RerankJobHandle => ({ id: 'job-1', name, data, updateProgress: async (value: unknown) => void progress.push(value) }) as RerankJobHandle;
    const outcomes = async () => (await registry.getSingleMetric('reranker_jobs_total')!.get()).values.map((v) => [v.labels.name, v.labels.outcome, v.value]);
    return { processor, job, progress, enqueued, outcomes, stored, logs };
  }

  const userJob: RerankJobV1 = { scope: 'user', domain: 'movies', userIds: ['ann'], reason: { kind: 'manual' } };

  it('runs a user job through the calibration, reporting progress once computed, and counts its outcome', async () => {
    const { processor, job, progress, outcomes, stored } = setup();
    expect(await processor.process(job(RERANK_JOB.user, userJob))).toMatchObject({ outcome: 'stored', userId: 'ann', items: 1 });
    expect(progress).toEqual([{ stage: 'computed', klBefore: 0, klAfter: 0, items: 1 }]);
    expect(stored.map((r) => r.jobId)).toEqual(['job-1']);
    expect(await outcomes()).toEqual([['rerank-user', 'stored', 1]]);
  });

  it('runs a fan-out job through the fan-out', async () => {
    const { processor, job, enqueued, outcomes } = setup();
    expect(await processor.process(job(RERANK_JOB.fanOut, { scope: 'segment', domain: 'movies', userIds: ['a', 'b'], segment: 's', reason: { kind: 'manual' } }))).toEqual({
      scope: 'segment',
      domain: 'movies',
      users: 2,
      batches: 1,
    });
    expect(enqueued).toEqual([['a', 'b']]);
    expect(await outcomes()).toEqual([['rerank-fan-out', 'completed', 1]]);
  });

  it('runs a batch job: stores the users it can under their own job ids, names a user whose data fails, completes', async () => {
    const { processor, job, progress, outcomes, stored, logs } = setup();
    const batch = { domain: 'movies', users: ['ann', 'poisoned', 'bob'].map((userId) => ({ userId, modelVersion: '1.2' })), reason: { kind: 'manual' } };
    expect(await processor.process(job(RERANK_JOB.batch, batch))).toEqual({
      outcome: 'batch',
      domain: 'movies',
      users: 3,
      stored: 2,
      alreadyStored: 0,
      skipped: [],
      failed: [{ userId: 'poisoned', error: 'Error: stored model refused' }],
    });
    expect(stored.map((r) => r.jobId)).toEqual(['user.movies.ann.v1.2', 'user.movies.bob.v1.2']);
    expect(progress).toEqual([{ stage: 'computed', computed: 2 }]);
    expect(logs.filter((l) => l.message === 'rerank of one user of a batch failed on its data')).toHaveLength(1);
    expect(await outcomes()).toEqual([['rerank-batch', 'partial', 1]]);
    // Run again (a retry, a restarted worker): nothing is computed or stored twice.
    expect(await processor.process(job(RERANK_JOB.batch, batch))).toMatchObject({ stored: 0, alreadyStored: 2, failed: [{ userId: 'poisoned' }] });
    expect(stored).toHaveLength(2);
  });

  it('calibrates to the personas’ shares in batch jobs as in user jobs (RERANK_CALIBRATE_TO=personas)', async () => {
    const { processor, job, stored } = setup({ calibrateToPersonas: true });
    await processor.process(job(RERANK_JOB.user, userJob));
    await processor.process(job(RERANK_JOB.batch, { domain: 'movies', users: [{ userId: 'bob', modelVersion: '1.2' }], reason: { kind: 'manual' } }));
    const comedies = stored.map((r) => r.items.map((i) => i.itemId).filter((id) => id.startsWith('c-')));
    // The history is all drama: calibrated to categories the list would hold no comedy; to personas, 3 of 10.
    expect(comedies).toEqual([
      ['c-0', 'c-1', 'c-2'],
      ['c-0', 'c-1', 'c-2'],
    ]);
  });

  it('fails a batch payload that is not valid at once, naming the field', async () => {
    const { processor, job } = setup();
    const run = processor.process(job(RERANK_JOB.batch, { domain: 'movies', users: [{ userId: 'ann', modelVersion: 'latest' }], reason: { kind: 'manual' } }));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow('RERANK.INVALID_JOB: the payload is not a valid rerank job v1: users[0].modelVersion: modelVersion must be');
  });

  it('fails an unknown job name at once, naming the known ones', async () => {
    const { processor, job, outcomes } = setup();
    const run = processor.process(job('constructor', userJob));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow('RERANK.UNKNOWN_JOB: no handler for job name "constructor"; known names: rerank-user, rerank-fan-out, rerank-batch');
    expect(await outcomes()).toEqual([['constructor', 'unrecoverable', 1]]);
  });

  it('fails a payload that is not a rerank job v1 at once, saying what is wrong', async () => {
    const { processor, job } = setup();
    const run = processor.process(job(RERANK_JOB.user, { scope: 'user', domain: 'movies', userIds: [], reason: { kind: 'manual' } }));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow('RERANK.INVALID_JOB: the payload is not a valid rerank job v1: userIds: userIds must name at least one user');
  });

  it('fails a user job that names more than one user at once, pointing to the fan-out', async () => {
    const { processor, job } = setup();
    await expect(processor.process(job(RERANK_JOB.user, { ...userJob, userIds: ['ann', 'bob'] }))).rejects.toThrow(
      'RERANK.INVALID_JOB: a "rerank-user" job reranks exactly one user (scope "user", one userId); got scope "user" with 2 users. Enqueue through RerankQueue.enqueue, which fans out.',
    );
  });

  it('fails at once when the calibration refuses its input (retrying would refuse it again)', async () => {
    const { processor, job } = setup({ candidateCategories: { drama: 0.5 } });
    const run = processor.process(job(RERANK_JOB.user, userJob));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(/^CALIBRATION\.INVALID_INPUT: /);
  });

  it('fails at once when Postgres refuses a value of the job, and lets infrastructure failures be retried', async () => {
    const refused = Object.assign(new Error('invalid input syntax'), { code: '22P02' });
    const run = setup({ listsFail: refused }).processor.process(setup().job(RERANK_JOB.user, userJob));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow('RERANK.UNPROCESSABLE: SQLSTATE 22P02: invalid input syntax');

    const down = setup({ listsFail: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
    const retried = down.processor.process(down.job(RERANK_JOB.user, userJob));
    await expect(retried).rejects.not.toBeInstanceOf(UnrecoverableError);
    await expect(retried).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:5432');
    expect(await down.outcomes()).toEqual([['rerank-user', 'error', 1]]);
  });
});
