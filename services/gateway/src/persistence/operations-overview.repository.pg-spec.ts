import { deadLetterFor } from '@chorus/contracts';
import { DeadLetterOutbox } from '@chorus/platform';
import { AUC_LOGIT_BINS, AUC_LOGIT_LIMIT, rocAuc } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { OperationsOverviewUseCase } from '../usecases/operations-overview.usecase';
import { OperationsOverviewRepository } from './operations-overview.repository';

/** The console overview's reads of the learner's and the transport's tables, on a real migrated Postgres, through the use case. */
const pg = useMigratedDatabase('operations_overview');
const GROUPS = { learner: 'learner-a', 'drift-watch': 'drift-a', notifier: 'notifier-a' };
const overview = (groups = GROUPS) => new OperationsOverviewUseCase(new OperationsOverviewRepository(pg.db, groups));

/** Dead letters as each service commits them: through the transport's outbox, in a transaction. */
async function deadLetter(group: string, codes: string[]) {
  const letters = codes.map((code, i) => deadLetterFor({ topic: 't', partition: 0, offset: String(i), consumer: group }, { key: null, value: 'x' }, code, 'refused'));
  await pg.db.transaction((tx) => new DeadLetterOutbox(pg.db, group).insert(tx, letters));
}

const centre = (bin: number) => -AUC_LOGIT_LIMIT + ((bin + 0.5) * 2 * AUC_LOGIT_LIMIT) / AUC_LOGIT_BINS;

/** Inserts what the learner would: one row per (partition, minute, model) of scored events {bin, label}. */
async function store(domain: string, partition: number, minute: string, model: string, scored: { bin: number; y: 0 | 1 }[]) {
  const positives = new Array<number>(AUC_LOGIT_BINS).fill(0);
  const negatives = new Array<number>(AUC_LOGIT_BINS).fill(0);
  for (const s of scored) (s.y ? positives : negatives)[s.bin]! += 1;
  await pg.db.query(`INSERT INTO learner_prequential_auc (domain, partition, bucket_start, model, positives, negatives) VALUES ($1, $2, $3, $4, $5, $6)`, [domain, partition, minute, model, positives, negatives]);
}
const exact = (scored: { bin: number; y: 0 | 1 }[]) => rocAuc(scored.map((s) => centre(s.bin)), scored.map((s) => s.y));

describe('OperationsOverviewRepository + use case', () => {
  it("reads every consumer's dead letters per service and code, most first, beside the total; other groups' are not shown", async () => {
    await deadLetter('learner-a', ['FEEDBACK.INVALID', 'FEEDBACK.UNKNOWN_ITEM', 'FEEDBACK.INVALID']);
    await deadLetter('learner-a', ['FEEDBACK.INVALID', 'FEEDBACK.INVALID', 'FEEDBACK.INVALID']);
    await deadLetter('drift-a', ['DRIFT.INVALID_EXPOSURE', 'DRIFT.INVALID_FEEDBACK', 'DRIFT.INVALID_EXPOSURE']);
    await deadLetter('notifier-a', ['ALERT.INVALID', 'ALERT.INVALID']);
    await deadLetter('learner-b', Array(9).fill('FEEDBACK.INVALID'));
    // A letter whose transaction rolls back is not counted either.
    await expect(pg.db.transaction(async (tx) => {
      await new DeadLetterOutbox(pg.db, 'drift-a').insert(tx, [deadLetterFor({ topic: 't', partition: 0, offset: '9', consumer: 'drift-a' }, { key: null, value: 'x' }, 'DRIFT.UNSTORABLE', 'r')]);
      throw new Error('the commit failed');
    })).rejects.toThrow('the commit failed');
    expect(await overview().deadLetters()).toEqual({
      total: 11,
      codes: [
        { service: 'learner', code: 'FEEDBACK.INVALID', count: 5 },
        { service: 'drift-watch', code: 'DRIFT.INVALID_EXPOSURE', count: 2 },
        { service: 'notifier', code: 'ALERT.INVALID', count: 2 },
        { service: 'drift-watch', code: 'DRIFT.INVALID_FEEDBACK', count: 1 },
        { service: 'learner', code: 'FEEDBACK.UNKNOWN_ITEM', count: 1 },
      ],
    });
    expect(await overview({ learner: 'learner-none', 'drift-watch': 'drift-none', notifier: 'notifier-none' }).deadLetters()).toEqual({ total: 0, codes: [] });
  });

  it('sums partitions and minutes into buckets and reads each model AUC off the summed histograms (equal to rocAuc of the pooled scores)', async () => {
    const a0 = [{ bin: 40, y: 1 }, { bin: 20, y: 0 }, { bin: 33, y: 1 }] as const;
    const a1 = [{ bin: 33, y: 0 }, { bin: 50, y: 1 }] as const;
    const a2 = [{ bin: 10, y: 1 }, { bin: 12, y: 0 }] as const;
    const p0 = [{ bin: 45, y: 1 }, { bin: 10, y: 0 }, { bin: 30, y: 1 }] as const;
    const p1 = [{ bin: 20, y: 0 }, { bin: 55, y: 1 }] as const;
    await store('auc', 0, '2026-01-01T10:00:00Z', 'aggregate', [...a0]);
    await store('auc', 1, '2026-01-01T10:01:00Z', 'aggregate', [...a1]);
    await store('auc', 0, '2026-01-01T10:00:00Z', 'personalized', [...p0]);
    await store('auc', 1, '2026-01-01T10:01:00Z', 'personalized', [...p1]);
    await store('auc', 0, '2026-01-01T10:05:00Z', 'aggregate', [...a2]);
    await store('auc', 0, '2026-01-01T10:05:00Z', 'personalized', [...a2]);
    await store('other', 0, '2026-01-01T10:00:00Z', 'aggregate', [{ bin: 0, y: 1 }]);

    const answer = await overview().prequentialAuc({ domain: 'auc', bucketSeconds: '300' });
    expect(answer.points.map((p) => [p.bucketStart, p.weight])).toEqual([
      ['2026-01-01T10:00:00.000Z', 5],
      ['2026-01-01T10:05:00.000Z', 2],
    ]);
    expect(answer.points[0]!.aggregate).toBeCloseTo(exact([...a0, ...a1]), 12);
    expect(answer.points[0]!.personalized).toBeCloseTo(exact([...p0, ...p1]), 12);
    expect(answer.points[1]!.aggregate).toBe(0);
    expect(answer.approximation).toMatch(/binned/);

    const minutes = await overview().prequentialAuc({ domain: 'auc' });
    expect(minutes.points.map((p) => p.bucketStart)).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:01:00.000Z', '2026-01-01T10:05:00.000Z']);
    expect(minutes.points[1]).toMatchObject({ aggregate: exact([...a1]), personalized: 1 });
    // A range selects bucket starts in [from, to).
    const ranged = await overview().prequentialAuc({ domain: 'auc', from: '2026-01-01T10:01:00Z', to: '2026-01-01T10:05:00Z' });
    expect(ranged.points.map((p) => p.bucketStart)).toEqual(['2026-01-01T10:01:00.000Z']);
  });

  it('answers no points for a domain without scores, null for a bucket of one class, and refuses unbounded or malformed reads', async () => {
    expect((await overview().prequentialAuc({ domain: 'nothing-here' })).points).toEqual([]);
    await store('one-class', 0, '2026-01-01T10:00:00Z', 'aggregate', [{ bin: 3, y: 1 }]);
    expect((await overview().prequentialAuc({ domain: 'one-class' })).points).toEqual([{ bucketStart: '2026-01-01T10:00:00.000Z', weight: 1, aggregate: null, personalized: null }]);
    await expect(overview().prequentialAuc({ domain: 'auc', from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'REQUEST.INVALID', message: expect.stringContaining('200 buckets') });
    await expect(overview().prequentialAuc({ domain: 'auc', bucketSeconds: '90' })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'bucketSeconds', message: expect.stringContaining('multiple of 60') })] });
    await expect(overview().prequentialAuc({})).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'domain' })] });
  });
});
