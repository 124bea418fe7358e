import { deadLetterFor, type DeadLetterV1 } from '@chorus/contracts';
import { DeadLetterOutbox, PartitionFencedError } from '@chorus/platform';
import type { UserReliabilityJSON } from '@chorus/reliability';
import { encodeUserModelState, type UserModelState } from '@chorus/scoring';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import type { FlushSnapshot } from '../usecases/learner-state';
import { encodeDedupeWindow } from './dedupe-window.codec';
import { LearnerStateRepository } from './learner-state.repository';

/** The learner's store of record on a real migrated Postgres (no Kafka): one transaction per commit, fenced offsets. */

const pg = useMigratedDatabase('learner_state');

let groups = 0;
/** A repository of a group of its own, so tests sharing the database never see each other's offsets or outbox. */
const repository = (group = `learner-${++groups}`, topic = 'chorus.feedback.v1') => new LearnerStateRepository(pg.db, group, topic);

const empty = (): FlushSnapshot => ({ users: [], shards: [], reliabilityPairs: [], interactions: [], compactInteractions: [], predictions: [], offsets: [], counters: {}, deadLetters: [], auc: [] });
const letter = (offset: number, code = 'FEEDBACK.INVALID'): DeadLetterV1 =>
  deadLetterFor({ topic: 'chorus.feedback.v1', partition: 0, offset: String(offset), consumer: 'chorus-learner' }, { key: 'u-1', value: `bad ${offset}` }, code, `reason ${offset}`);
const user = (userId: string, state: UserModelState, window: number[], eventsSeen: number) => ({ userId, domain: 'movies', state: encodeUserModelState(state), recentEventKeys: encodeDedupeWindow(window), eventsSeen });
const aucRow = (domain: string, positives: number[], negatives: number[], model: 'aggregate' | 'personalized' = 'aggregate', partition = 0) => ({
  domain,
  partition,
  bucketStart: '2026-12-01T10:00:00.000Z',
  model,
  positives,
  negatives,
});
const count = async (sql: string, params: unknown[]) => ((await pg.db.query(sql, params)) as { n: number }[])[0]!.n;

describe('LearnerStateRepository offsets', () => {
  it('storedNextOffset is 0 for a partition never committed and creates no row; loadPartition creates it at 0', async () => {
    const repo = repository('offsets-a');
    expect(await repo.storedNextOffset(2)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM consumer_offsets WHERE group_id = $1`, ['offsets-a'])).toBe(0);
    expect(await repo.loadPartition(2)).toEqual({ nextOffset: 0, shards: [], reliabilityPairs: [] });
    expect(await count(`SELECT count(*)::int AS n FROM consumer_offsets WHERE group_id = $1 AND partition = 2 AND next_offset = 0`, ['offsets-a'])).toBe(1);
  });

  it('a commit advances the offset from where it was loaded; the new resume point is what the next load reads', async () => {
    const repo = repository();
    await repo.loadPartition(0);
    await repo.flush({ ...empty(), offsets: [{ partition: 0, from: 0, to: 42 }] });
    expect(await repo.storedNextOffset(0)).toBe(42);
    expect((await repo.loadPartition(0)).nextOffset).toBe(42);
    await repo.flush({ ...empty(), offsets: [{ partition: 0, from: 42, to: 50 }] });
    expect(await repo.storedNextOffset(0)).toBe(50);
  });

  it('keeps the offsets of groups and topics apart', async () => {
    const a = repository('same-group', 'topic-a');
    const b = repository('same-group', 'topic-b');
    await a.loadPartition(0);
    await b.loadPartition(0);
    await a.flush({ ...empty(), offsets: [{ partition: 0, from: 0, to: 7 }] });
    expect(await a.storedNextOffset(0)).toBe(7);
    expect(await b.storedNextOffset(0)).toBe(0);
  });
});

describe('LearnerStateRepository fence', () => {
  it('refuses a stale writer (one that loaded the partition before another learner committed it) and writes nothing of its commit', async () => {
    const group = 'fenced-group';
    const owner = repository(group);
    const zombie = repository(group);
    await owner.loadPartition(0);
    await zombie.loadPartition(0);
    await owner.flush({ ...empty(), offsets: [{ partition: 0, from: 0, to: 10 }] });

    const stale: FlushSnapshot = {
      ...empty(),
      users: [user('zombie-user', { weights: {} }, [1], 1)],
      shards: [{ domain: 'movies', partition: 0, state: '{}', eventsSeen: 3 }],
      interactions: [{ userId: 'zombie-user', domain: 'movies', itemIds: ['m-1'] }],
      offsets: [{ partition: 0, from: 0, to: 5 }],
      counters: { applied: 5 },
      deadLetters: [letter(3)],
      auc: [aucRow('fenced-domain', [1, 0, 0], [0, 2, 0])],
    };
    const refused = zombie.flush(stale);
    await expect(refused).rejects.toBeInstanceOf(PartitionFencedError);
    await expect(refused).rejects.toMatchObject({
      code: 'LEARNER.PARTITION_FENCED',
      message: 'partitions 0 were committed by another learner since this one loaded them; reload state from Postgres',
    });
    expect(await owner.storedNextOffset(0)).toBe(10);
    expect(await owner.loadUsers([{ userId: 'zombie-user', domain: 'movies' }])).toEqual(new Map());
    expect(await new DeadLetterOutbox(pg.db, group).pending()).toEqual([]);
    expect(await owner.counters()).toEqual({});
    expect(await count(`SELECT count(*)::int AS n FROM user_item_batches WHERE user_id = 'zombie-user'`, [])).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM aggregate_shards WHERE domain = 'movies' AND shard = 0`, [])).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM learner_prequential_auc WHERE domain = 'fenced-domain'`, [])).toBe(0);
  });

  it('names only the fenced partitions, and rolls back the partitions that would have advanced', async () => {
    const group = 'fenced-mixed';
    const owner = repository(group);
    await owner.loadPartition(1);
    await owner.loadPartition(2);
    await owner.loadPartition(3);
    await owner.flush({ ...empty(), offsets: [{ partition: 2, from: 0, to: 4 }] });
    const stale = repository(group).flush({
      ...empty(),
      offsets: [
        { partition: 1, from: 0, to: 9 },
        { partition: 2, from: 0, to: 9 },
        { partition: 3, from: 0, to: 9 },
      ],
    });
    await expect(stale).rejects.toThrow('partitions 2 were committed by another learner since this one loaded them; reload state from Postgres');
    expect([await owner.storedNextOffset(1), await owner.storedNextOffset(2), await owner.storedNextOffset(3)]).toEqual([0, 4, 0]);
  });

  it('refuses a commit for a partition this group never loaded (no row to advance)', async () => {
    await expect(repository().flush({ ...empty(), offsets: [{ partition: 5, from: 0, to: 1 }] })).rejects.toThrow('partitions 5 were committed');
  });
});

describe('LearnerStateRepository commits', () => {
  it('writes users with their dedupe windows, and reads them back with their interaction rows', async () => {
    const repo = repository();
    await repo.loadPartition(0);
    // Multi-byte UTF-8 in one state and windows of different lengths: each user's slice of the two byte strings must
    // start where the previous one ended, in bytes.
    await repo.flush({
      ...empty(),
      users: [
        user('ann', { weights: { 'cat:café': [0.5, 0.25] } }, [1, 2 ** 52 + 3, 9], 3),
        user('bob', { weights: { 'cat:東京': [-1, 0.5] } }, [], 0),
        user('cyd', { weights: {} }, [7], 1),
      ],
      interactions: [
        { userId: 'ann', domain: 'movies', itemIds: ['m-1', 'm-2'] },
        { userId: 'cyd', domain: 'movies', itemIds: ['m-3'] },
      ],
      offsets: [{ partition: 0, from: 0, to: 4 }],
    });
    await repo.flush({ ...empty(), interactions: [{ userId: 'ann', domain: 'movies', itemIds: ['m-2'] }] });

    const loaded = await repo.loadUsers([
      { userId: 'ann', domain: 'movies' },
      { userId: 'bob', domain: 'movies' },
      { userId: 'cyd', domain: 'movies' },
      { userId: 'ann', domain: 'books' },
    ]);
    expect(loaded).toEqual(
      new Map([
        ['ann\u0001movies', { state: { weights: { 'cat:café': [0.5, 0.25] }, recentEventIds: [1, 2 ** 52 + 3, 9] }, eventsSeen: 3, interactionRows: 2 }],
        ['bob\u0001movies', { state: { weights: { 'cat:東京': [-1, 0.5] }, recentEventIds: [] }, eventsSeen: 0, interactionRows: 0 }],
        ['cyd\u0001movies', { state: { weights: {}, recentEventIds: [7] }, eventsSeen: 1, interactionRows: 1 }],
      ]),
    );
  });

  it('replaces a user\'s row on the next commit', async () => {
    const repo = repository();
    await repo.flush({ ...empty(), users: [user('dee', { weights: { bias: [0, 1] } }, [1], 1)] });
    await repo.flush({ ...empty(), users: [user('dee', { weights: { bias: [0.3, 0.9] } }, [1, 2], 2)] });
    expect(await repo.loadUsers([{ userId: 'dee', domain: 'movies' }])).toEqual(
      new Map([['dee\u0001movies', { state: { weights: { bias: [0.3, 0.9] }, recentEventIds: [1, 2] }, eventsSeen: 2, interactionRows: 0 }]]),
    );
    // Cold-start borrowing's additive key comes back with the row.
    const borrowing = { donor: { userId: 'ann', means: { 'cat:drama': 0.5 } }, evidence: { n: 2, mean: 0.1, m2: 0.02 } };
    await repo.flush({ ...empty(), users: [user('dee', { weights: { bias: [0.3, 0.9] }, borrowing }, [1, 2, 3], 3)] });
    expect((await repo.loadUsers([{ userId: 'dee', domain: 'movies' }])).get('dee\u0001movies')!.state.borrowing).toEqual(borrowing);
  });

  it('refuses a state that is still JSON (migrations not run) with what to do', async () => {
    await pg.db.query(`INSERT INTO user_models (user_id, domain, state, events_seen) VALUES ('old', 'movies', convert_to('{"weights":{}}', 'UTF8'), 4)`);
    await expect(repository().loadUsers([{ userId: 'old', domain: 'movies' }])).rejects.toThrow('user_models.state is a JSON document (version 1); this reader reads version 2: run the migrations');
  });

  it('loadUsers of no keys asks nothing and finds nothing', async () => {
    expect(await repository().loadUsers([])).toEqual(new Map());
  });

  it('writes aggregate shards per (domain, partition) and returns them with the partition', async () => {
    const repo = repository();
    await repo.loadPartition(7);
    await repo.flush({ ...empty(), shards: [{ domain: 'news', partition: 7, state: '{"bias":[0.1,0.9]}', eventsSeen: 5 }] });
    const evidence = { grid: [1, 2], losses: [3.5, 2.25], tau2: 2 };
    const itemEvidence = { grid: [0.5, 1], losses: [1.5, 1.25], variance: 1 };
    const donors = [{ userId: 'ann', eventsSeen: 60, means: { 'cat:drama': 0.5 } }];
    await repo.flush({
      ...empty(),
      shards: [
        { domain: 'news', partition: 7, state: '{"bias":[0.2,0.8]}', evidence: JSON.stringify(evidence), itemEvidence: JSON.stringify(itemEvidence), donors: JSON.stringify(donors), eventsSeen: 9 },
        { domain: 'podcasts', partition: 7, state: '{}', eventsSeen: 1 },
      ],
    });
    const { shards } = await repo.loadPartition(7);
    // The learned pooling evidence (τ² and σ²_c) and the borrowing donors come back with their shard; a shard with
    // everything fixed and borrowing off has none.
    expect(shards.sort((a, b) => (a.domain < b.domain ? -1 : 1))).toEqual([
      { domain: 'news', state: { bias: [0.2, 0.8] }, evidence, itemEvidence, donors, eventsSeen: 9 },
      { domain: 'podcasts', state: {}, evidence: null, itemEvidence: null, donors: null, eventsSeen: 1 },
    ]);
  });

  it('writes reliability pair counts per (domain, partition, pair), replaces them on the next commit and returns them with the partition', async () => {
    const repo = repository();
    await repo.loadPartition(11);
    await repo.flush({ ...empty(), reliabilityPairs: [{ domain: 'news', partition: 11, itemA: 'a', itemB: 'b', n: 1, a: 1 }] });
    await repo.flush({
      ...empty(),
      reliabilityPairs: [
        { domain: 'news', partition: 11, itemA: 'a', itemB: 'b', n: 3, a: 1.5 },
        { domain: 'news', partition: 11, itemA: 'Z', itemB: 'a', n: 1, a: 0 },
        { domain: 'news', partition: 12, itemA: 'a', itemB: 'b', n: 2, a: 2 },
      ],
    });
    const { reliabilityPairs } = await repo.loadPartition(11);
    expect(reliabilityPairs.sort((x, y) => (x.itemA < y.itemA ? -1 : 1))).toEqual([
      { domain: 'news', itemA: 'Z', itemB: 'a', n: 1, a: 0 },
      { domain: 'news', itemA: 'a', itemB: 'b', n: 3, a: 1.5 },
    ]);
  });

  it('reads a user\'s reliability state back from its own section of the row', async () => {
    const repo = repository();
    await repo.loadPartition(0);
    const reliability: UserReliabilityJSON = { counts: [2, 1, 0, 1, 0, 1.5], logLikelihood: [-0.2, -1.4, -0.9], signals: { 'a\u0001b': [[['short\u0001\u0001', 2, 2, 1, 0, 0, 0]], [-0.2, -1.4, -0.9]] } };
    await repo.flush({ ...empty(), users: [user('rel', { weights: {}, tau2: 1, reliability }, [], 2)] });
    expect((await repo.loadUsers([{ userId: 'rel', domain: 'movies' }])).get('rel\u0001movies')!.state.reliability).toEqual(reliability);
  });

  it('reads a user\'s per-condition deviations back from their own key of the row (issue #15)', async () => {
    const repo = repository();
    await repo.loadPartition(0);
    const conditions = { priorVariance: 1, conditions: { short: { 'cat:drama': [0.25, 0.875] as const } }, split: [3, 2.5] as const };
    await repo.flush({ ...empty(), users: [user('cond', { weights: {}, tau2: 1, conditions }, [], 3)] });
    expect((await repo.loadUsers([{ userId: 'cond', domain: 'movies' }])).get('cond\u0001movies')!.state.conditions).toEqual(conditions);
  });

  it('merges a user\'s interaction rows into one, each item once, after the commit\'s own rows are in', async () => {
    const repo = repository();
    await repo.flush({ ...empty(), interactions: [{ userId: 'eve', domain: 'movies', itemIds: ['m-3', 'm-1'] }] });
    await repo.flush({ ...empty(), interactions: [{ userId: 'eve', domain: 'books', itemIds: ['b-1'] }] });
    await repo.flush({
      ...empty(),
      interactions: [{ userId: 'eve', domain: 'movies', itemIds: ['m-1', 'm-2'] }],
      compactInteractions: [{ userId: 'eve', domain: 'movies' }],
    });
    const rows: { domain: string; item_ids: string[] }[] = await pg.db.query(`SELECT domain, item_ids FROM user_item_batches WHERE user_id = 'eve' ORDER BY domain`);
    expect(rows).toEqual([
      { domain: 'books', item_ids: ['b-1'] },
      { domain: 'movies', item_ids: ['m-1', 'm-2', 'm-3'] },
    ]);
  });

  it('stores each prequential prediction once, however often its event is committed', async () => {
    const prediction = { eventId: '00000000-0000-4000-8000-0000000000aa', domain: 'movies', userId: 'fay', occurredAt: '2026-11-27T10:00:00Z', label: 1, weight: 0.75, pAggregate: 0.25, pPersonalized: 0.625 };
    const repo = repository();
    await repo.flush({ ...empty(), predictions: [prediction] });
    await repo.flush({ ...empty(), predictions: [{ ...prediction, label: 0 }] });
    expect(await pg.db.query(`SELECT user_id, label, weight, p_aggregate, p_personalized FROM prequential_predictions WHERE event_id = $1`, [prediction.eventId])).toEqual([
      { user_id: 'fay', label: 1, weight: 0.75, p_aggregate: 0.25, p_personalized: 0.625 },
    ]);
  });

  it('adds prequential AUC histograms bin by bin to what earlier commits stored, per domain, partition, minute and model', async () => {
    const repo = repository();
    await repo.flush({ ...empty(), auc: [aucRow('auc-movies', [1, 0, 2], [0, 3, 0]), aucRow('auc-movies', [5, 5, 5], [5, 5, 5], 'personalized')] });
    await repo.flush({ ...empty(), auc: [aucRow('auc-movies', [0.5, 1, 0], [2, 0, 0.25]), aucRow('auc-movies', [1, 0, 0], [0, 0, 1], 'aggregate', 1)] });
    const rows = await pg.db.query(`SELECT partition, model, positives, negatives FROM learner_prequential_auc WHERE domain = 'auc-movies' ORDER BY partition, model`);
    expect(rows).toEqual([
      { partition: 0, model: 'aggregate', positives: [1.5, 1, 2], negatives: [2, 3, 0.25] },
      { partition: 0, model: 'personalized', positives: [5, 5, 5], negatives: [5, 5, 5] },
      { partition: 1, model: 'aggregate', positives: [1, 0, 0], negatives: [0, 0, 1] },
    ]);
  });

  it('adds counters to what the group counted before, per group', async () => {
    const repo = repository('counters-a');
    await repo.flush({ ...empty(), counters: { applied: 3, duplicates: 1 } });
    await repo.flush({ ...empty(), counters: { applied: 2, dead_lettered: 4 } });
    await repository('counters-b').flush({ ...empty(), counters: { applied: 100 } });
    expect(await repo.counters()).toEqual({ applied: 5, duplicates: 1, dead_lettered: 4 });
  });
});

describe('LearnerStateRepository dead-letter outbox', () => {
  it('commits the letters with the snapshot, returns their ids in order, lists them oldest first and deletes them by id', async () => {
    const repo = repository('outbox-a');
    await repo.loadPartition(0);
    const first = await repo.flush({ ...empty(), offsets: [{ partition: 0, from: 0, to: 4 }], deadLetters: [letter(1), letter(3, 'FEEDBACK.UNKNOWN_ITEM')] });
    const second = await repo.flush({ ...empty(), deadLetters: [letter(6, 'FEEDBACK.NON_FINITE_UPDATE')] });
    await repository('outbox-b').flush({ ...empty(), deadLetters: [letter(99)] });
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(1);
    expect(Number(first[0]) < Number(first[1]!) && Number(first[1]) < Number(second[0]!)).toBe(true);

    // The letters live in the transport's outbox (one dead-letter policy), rows per consumer group.
    const outbox = new DeadLetterOutbox(pg.db, 'outbox-a');
    const pending = await outbox.pending();
    expect(pending.map((p) => p.id)).toEqual([...first, ...second]);
    expect(pending.map((p) => [p.letter.source.offset, p.letter.code, p.letter.reason, p.letter.value])).toEqual([
      ['1', 'FEEDBACK.INVALID', 'reason 1', 'bad 1'],
      ['3', 'FEEDBACK.UNKNOWN_ITEM', 'reason 3', 'bad 3'],
      ['6', 'FEEDBACK.NON_FINITE_UPDATE', 'reason 6', 'bad 6'],
    ]);
    expect((await outbox.pending(2)).map((p) => p.id)).toEqual(first);

    await outbox.delete([first[0]!, second[0]!]);
    expect((await outbox.pending()).map((p) => p.id)).toEqual([first[1]]);
    await outbox.delete([]);
    expect((await new DeadLetterOutbox(pg.db, 'outbox-b').pending()).map((p) => p.letter.source.offset)).toEqual(['99']);

    // Counted per group and code in the same commits, and only there: relaying (deleting) a letter keeps its count,
    // and the learner's own counters hold the total, not the codes again.
    expect(await pg.db.query(`SELECT group_id, code, count::int FROM dead_letter_counts WHERE group_id LIKE 'outbox-%' ORDER BY group_id, code`)).toEqual([
      { group_id: 'outbox-a', code: 'FEEDBACK.INVALID', count: 1 },
      { group_id: 'outbox-a', code: 'FEEDBACK.NON_FINITE_UPDATE', count: 1 },
      { group_id: 'outbox-a', code: 'FEEDBACK.UNKNOWN_ITEM', count: 1 },
      { group_id: 'outbox-b', code: 'FEEDBACK.INVALID', count: 1 },
    ]);
    await repo.flush({ ...empty(), deadLetters: [letter(7), letter(8)] });
    expect(await pg.db.query(`SELECT count::int FROM dead_letter_counts WHERE group_id = 'outbox-a' AND code = 'FEEDBACK.INVALID'`)).toEqual([{ count: 3 }]);
    expect(await pg.db.query(`SELECT name FROM learner_counters WHERE group_id = 'outbox-a' AND name LIKE 'dead_lettered%'`)).toEqual([]);
  });

  it('a commit without letters returns no outbox ids', async () => {
    expect(await repository().flush({ ...empty(), counters: { applied: 1 } })).toEqual([]);
  });
});
