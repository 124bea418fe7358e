import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DriftSegmentsRepository } from './drift-segments.repository';

const database = useMigratedDatabase('gateway_drift_segments');
let repository: DriftSegmentsRepository;

beforeAll(() => {
  repository = new DriftSegmentsRepository(database.db);
});

describe('DriftSegmentsRepository (PostgreSQL)', () => {
  it('creates a segment at version 1; a replacement bumps version and change id and replaces the members whole', async () => {
    const created = await repository.replace('news', 'owls', ['u-1', 'u-2', 'u-3'], 'ops-key');
    expect([created.version, created.members, created.createdBy, created.updatedBy]).toEqual([1, 3, 'ops-key', 'ops-key']);
    const replaced = await repository.replace('news', 'owls', ['u-3', 'u-4'], 'other-key');
    expect([replaced.version, replaced.members, replaced.createdBy, replaced.updatedBy]).toEqual([2, 2, 'ops-key', 'other-key']);
    expect(replaced.changeId).toBeGreaterThan(created.changeId);
    expect(await repository.members('news', 'owls', 10, undefined)).toEqual(['u-3', 'u-4']);
  });

  it('pages members in id order after a given id', async () => {
    await repository.replace('news', 'larks', ['b', 'd', 'a', 'c'], 'ops-key');
    expect(await repository.members('news', 'larks', 2, undefined)).toEqual(['a', 'b']);
    expect(await repository.members('news', 'larks', 2, 'b')).toEqual(['c', 'd']);
    expect(await repository.members('news', 'larks', 2, 'd')).toEqual([]);
  });

  it('lists all segments or one domain, in (domain, name) order; finds one', async () => {
    await repository.replace('movies', 'critics', ['u-9'], 'ops-key');
    expect((await repository.list(undefined)).map((s) => `${s.domain}/${s.name}/${s.members}`)).toEqual(['movies/critics/1', 'news/larks/4', 'news/owls/2']);
    expect((await repository.list('movies')).map((s) => s.name)).toEqual(['critics']);
    expect((await repository.find('news', 'owls'))?.version).toBe(2);
    expect(await repository.find('news', 'nobody')).toBeUndefined();
  });

  it('deletes a segment with its members, but keeps its series; false when there was none', async () => {
    await database.db.query(
      `INSERT INTO drift_segment_series (domain, segment, metric, shard, bucket_start, value, users) VALUES
         ('movies', 'critics', 'mean-miscalibration', 0, '2026-01-01T00:00:00Z', 0.25, 3),
         ('movies', 'critics', 'mean-miscalibration', 1, '2026-01-01T00:00:00Z', 0.5, 4),
         ('movies', 'critics', 'mean-miscalibration', 0, '2026-01-01T01:00:00Z', 0.75, 3),
         ('movies', 'critics', 'mean-stance-extremity', 0, '2026-01-01T00:00:00Z', 0.1, 3)`,
    );
    expect(await repository.delete('movies', 'critics')).toBe(true);
    expect(await repository.delete('movies', 'critics')).toBe(false);
    expect(await repository.members('movies', 'critics', 10, undefined)).toEqual([]);
    expect((await repository.series('movies', 'critics', { limit: 100 })).length).toBe(4);
  });

  it('reads series ordered by metric, bucket and shard, filtered by metric and [from, to), up to the limit', async () => {
    expect(await repository.series('movies', 'critics', { metric: 'mean-miscalibration', limit: 100 })).toEqual([
      { metric: 'mean-miscalibration', shard: 0, bucketStart: '2026-01-01T00:00:00.000Z', value: 0.25, users: 3 },
      { metric: 'mean-miscalibration', shard: 1, bucketStart: '2026-01-01T00:00:00.000Z', value: 0.5, users: 4 },
      { metric: 'mean-miscalibration', shard: 0, bucketStart: '2026-01-01T01:00:00.000Z', value: 0.75, users: 3 },
    ]);
    expect((await repository.series('movies', 'critics', { from: '2026-01-01T01:00:00.000Z', limit: 100 })).map((p) => p.value)).toEqual([0.75]);
    expect((await repository.series('movies', 'critics', { to: '2026-01-01T01:00:00.000Z', limit: 2 })).map((p) => p.value)).toEqual([0.25, 0.5]);
  });
});
