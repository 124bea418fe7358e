import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { alertCandidate, driftAlert } from '../testing/drift-alert.fixture';
import type { DriftSnapshot } from '../engine/drift-state';
import { UserDriftState, type StoredUserDriftState } from '../engine/user-drift-state';
import { encodeUserState } from '../engine/user-state.codec';
import { PartitionFencedError } from '@chorus/platform';
import { DriftStateRepository } from './drift-state.repository';

/** drift-watch's store of record on a real migrated Postgres (no Kafka): fenced commits, alerts folded within the cooldown. */

const COOLDOWN_MS = 6 * 3600_000;
const FEEDBACK = 'chorus.feedback.v1';
const EXPOSURES = 'chorus.exposures.v1';

const pg = useMigratedDatabase('drift_state');

let groups = 0;
const repository = (group = `drift-${++groups}`) => new DriftStateRepository(pg.db, group, COOLDOWN_MS);
const empty = (): DriftSnapshot => ({ users: [], shards: [], offsets: [], alerts: [], userPoints: [], populationPoints: [], segmentPoints: [] });
const alertRow = async (alertId: string) =>
  ((await pg.db.query(`SELECT occurrences, value, last_value, last_event_at, source, rerank_requested FROM drift_alerts WHERE alert_id = $1`, [alertId])) as Record<string, unknown>[])[0];
const alertCount = async (subject: string) => ((await pg.db.query(`SELECT count(*)::int AS n FROM drift_alerts WHERE subject = $1`, [subject])) as { n: number }[])[0]!.n;

describe('DriftStateRepository offsets and fence', () => {
  it('creates each topic\'s resume point of a partition at 0 and reads it back after a commit', async () => {
    const repo = repository();
    expect(await repo.loadPartition(3, [FEEDBACK, EXPOSURES])).toEqual({
      offsets: expect.arrayContaining([
        { topic: FEEDBACK, nextOffset: 0 },
        { topic: EXPOSURES, nextOffset: 0 },
      ]),
      shards: [],
    });
    await repo.flush({ ...empty(), offsets: [{ topic: FEEDBACK, partition: 3, from: 0, to: 12 }] });
    const { offsets } = await repo.loadPartition(3, [FEEDBACK, EXPOSURES]);
    expect(offsets.sort((a, b) => (a.topic < b.topic ? -1 : 1))).toEqual([
      { topic: EXPOSURES, nextOffset: 0 },
      { topic: FEEDBACK, nextOffset: 12 },
    ]);
  });

  it('refuses a stale writer, naming the topic-partitions, and writes nothing of its commit', async () => {
    const group = 'drift-fenced';
    const owner = repository(group);
    const zombie = repository(group);
    await owner.loadPartition(0, [FEEDBACK, EXPOSURES]);
    await owner.flush({ ...empty(), offsets: [{ topic: EXPOSURES, partition: 0, from: 0, to: 5 }] });
    const stale = zombie.flush({
      ...empty(),
      users: [{ userId: 'zombie', domain: 'movies', state: encodeUserState(new UserDriftState('zombie', 'movies', 25).toJSON()), events: 1 }],
      offsets: [
        { topic: FEEDBACK, partition: 0, from: 0, to: 3 },
        { topic: EXPOSURES, partition: 0, from: 0, to: 3 },
      ],
      alerts: [alertCandidate(driftAlert(900, { subject: 'zombie' }), '2026-11-27T11:00:00Z')],
    });
    await expect(stale).rejects.toBeInstanceOf(PartitionFencedError);
    await expect(stale).rejects.toMatchObject({
      code: 'DRIFT.PARTITION_FENCED',
      message: `partitions ${EXPOSURES}[0] were committed by another drift-watch instance since this one loaded them; reload state from Postgres`,
    });
    const { offsets } = await owner.loadPartition(0, [FEEDBACK, EXPOSURES]);
    expect(offsets.sort((a, b) => (a.topic < b.topic ? -1 : 1))).toEqual([
      { topic: EXPOSURES, nextOffset: 5 },
      { topic: FEEDBACK, nextOffset: 0 },
    ]);
    expect(await owner.loadUsers([{ userId: 'zombie', domain: 'movies' }])).toEqual(new Map());
    expect(await alertCount('zombie')).toBe(0);
  });
});

describe('DriftStateRepository state and series', () => {
  it('writes users and population shards and reads them back; the next commit replaces them', async () => {
    const repo = repository();
    const state = (events: number): StoredUserDriftState => {
      const user = new UserDriftState('any', 'movies', 25);
      user.events = events;
      user.remember(`event-${events}`, 64);
      return user.toJSON();
    };
    await repo.flush({
      ...empty(),
      users: [
        { userId: 'ann', domain: 'movies', state: encodeUserState(state(3)), events: 3 },
        { userId: 'bob', domain: 'movies', state: encodeUserState(state(1)), events: 1 },
      ],
      shards: [{ domain: 'movies', shard: 4, state: '{"users":2}' }],
    });
    await repo.flush({ ...empty(), users: [{ userId: 'ann', domain: 'movies', state: encodeUserState(state(5)), events: 5 }], shards: [{ domain: 'movies', shard: 4, state: '{"users":3}' }] });
    expect(await repo.loadUsers([{ userId: 'ann', domain: 'movies' }, { userId: 'bob', domain: 'movies' }, { userId: 'ann', domain: 'books' }])).toEqual(
      new Map([
        ['ann\u0001movies', state(5)],
        ['bob\u0001movies', state(1)],
      ]),
    );
    expect(await repo.loadUsers([])).toEqual(new Map());
    expect((await repo.loadPartition(4, [FEEDBACK])).shards).toEqual([{ domain: 'movies', state: { users: 3 } }]);
  });

  it('upserts series points: a bucket written again takes the new value', async () => {
    const repo = repository();
    const bucket = Date.parse('2026-11-27T10:00:00Z');
    const write = (value: number) =>
      repo.flush({
        ...empty(),
        userPoints: [{ userId: 'cyd', domain: 'movies', metric: 'miscalibration', bucketStart: bucket, value }],
        populationPoints: [{ domain: 'movies', metric: 'mean-miscalibration', shard: 1, bucketStart: bucket, value, users: 10, events: 30 + value }],
        segmentPoints: [{ domain: 'movies', segment: 'cohort', metric: 'mean-miscalibration', shard: 1, bucketStart: bucket, value, users: 6 }],
      });
    await write(1);
    await write(2);
    expect(await pg.db.query(`SELECT value, extract(epoch FROM bucket_start)::int AS at FROM drift_user_series WHERE user_id = 'cyd'`)).toEqual([{ value: 2, at: bucket / 1000 }]);
    expect(await pg.db.query(`SELECT value, users, events FROM drift_population_series WHERE metric = 'mean-miscalibration' AND shard = 1`)).toEqual([{ value: 2, users: 10, events: 32 }]);
    expect(await pg.db.query(`SELECT value, users FROM drift_segment_series WHERE segment = 'cohort'`)).toEqual([{ value: 2, users: 6 }]);
  });
});

describe('DriftStateRepository alerts', () => {
  it('inserts a new alert with its payload and returns it as raised', async () => {
    const alert = driftAlert(1, { subject: 'dee' });
    const result = await repository().flush({ ...empty(), alerts: [alertCandidate(alert, '2026-11-27T11:00:00Z', 'feedback:0:7')] });
    expect(result).toEqual({ raised: [alert], folded: 0 });
    expect(await alertRow(alert.alertId)).toMatchObject({ occurrences: 1, value: 0.5, last_value: 0.5, source: 'feedback:0:7', rerank_requested: true });
    expect((await pg.db.query(`SELECT payload FROM drift_alerts WHERE alert_id = $1`, [alert.alertId]))[0].payload).toEqual(alert);
  });

  it('changes nothing when an alert id is committed again (a replay)', async () => {
    const alert = driftAlert(2, { subject: 'eve' });
    const repo = repository();
    await repo.flush({ ...empty(), alerts: [alertCandidate(alert, '2026-11-27T11:00:00Z')] });
    expect(await repo.flush({ ...empty(), alerts: [alertCandidate({ ...alert, value: 9 }, '2026-11-27T11:00:00Z')] })).toEqual({ raised: [], folded: 0 });
    expect(await alertRow(alert.alertId)).toMatchObject({ occurrences: 1, value: 0.5, last_value: 0.5 });
  });

  it('folds a repeat of the same (scope, subject, domain, metric) within the cooldown into the open alert', async () => {
    const first = driftAlert(3, { subject: 'fay' });
    const repo = repository();
    await repo.flush({ ...empty(), alerts: [alertCandidate(first, '2026-11-27T11:00:00Z')] });
    // 5 h later in event time, inside the 6 h cooldown; then one 1 h earlier than the last (late data).
    expect(await repo.flush({ ...empty(), alerts: [alertCandidate(driftAlert(4, { subject: 'fay', value: 0.75 }), '2026-11-27T16:00:00Z')] })).toEqual({ raised: [], folded: 1 });
    expect(await repo.flush({ ...empty(), alerts: [alertCandidate(driftAlert(5, { subject: 'fay', value: 0.625 }), '2026-11-27T15:00:00Z')] })).toEqual({ raised: [], folded: 1 });
    const row = await alertRow(first.alertId);
    expect(row).toMatchObject({ occurrences: 3, value: 0.5, last_value: 0.625 });
    expect((row!.last_event_at as Date).toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(await alertCount('fay')).toBe(1);
  });

  it('raises a new alert for a repeat beyond the cooldown, for another metric, or once the open one is acknowledged', async () => {
    const repo = repository();
    await repo.flush({ ...empty(), alerts: [alertCandidate(driftAlert(10, { subject: 'gus' }), '2026-11-27T00:00:00Z')] });
    const later = driftAlert(11, { subject: 'gus' });
    const otherMetric = driftAlert(12, { subject: 'gus', metric: 'exposure-entropy', direction: 'down' });
    expect(await repo.flush({ ...empty(), alerts: [alertCandidate(later, '2026-11-27T06:00:00Z'), alertCandidate(otherMetric, '2026-11-27T06:00:00Z')] })).toEqual({
      raised: [otherMetric, later],
      folded: 0,
    });
    await pg.db.query(`INSERT INTO drift_alert_acknowledgements (alert_id, acknowledged_by) VALUES ($1, 'ops-key')`, [later.alertId]);
    const afterAck = driftAlert(13, { subject: 'gus' });
    expect(await repo.flush({ ...empty(), alerts: [alertCandidate(afterAck, '2026-11-27T07:00:00Z')] })).toEqual({ raised: [afterAck], folded: 0 });
    expect(await alertCount('gus')).toBe(4);
  });

  it('within one commit, the earliest of two repeats is raised and the other folded into it', async () => {
    const early = driftAlert(20, { subject: 'hal' });
    const late = driftAlert(21, { subject: 'hal' });
    expect(await repository().flush({ ...empty(), alerts: [alertCandidate(late, '2026-11-27T12:00:00Z'), alertCandidate(early, '2026-11-27T11:00:00Z')] })).toEqual({
      raised: [early],
      folded: 1,
    });
    expect(await alertRow(early.alertId)).toMatchObject({ occurrences: 2 });
  });
});
