import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DriftSeriesRepository } from './drift-series.repository';

const database = useMigratedDatabase('gateway_drift_series');
let repository: DriftSeriesRepository;

beforeAll(async () => {
  repository = new DriftSeriesRepository(database.db);
  await database.db.query(
    `INSERT INTO drift_user_series (user_id, domain, metric, bucket_start, value) VALUES
       ('u-1', 'news', 'miscalibration', '2026-01-01T01:00:00Z', 0.2),
       ('u-1', 'news', 'miscalibration', '2026-01-01T00:00:00Z', 0.1),
       ('u-1', 'news', 'exposure-entropy', '2026-01-01T00:00:00Z', 1.5),
       ('u-1', 'movies', 'miscalibration', '2026-01-01T00:00:00Z', 0.9),
       ('u-2', 'news', 'miscalibration', '2026-01-01T00:00:00Z', 0.8)`,
  );
  await database.db.query(
    `INSERT INTO drift_population_series (domain, metric, shard, bucket_start, value, users, events) VALUES
       ('news', 'polarization', 1, '2026-01-01T00:00:00Z', 0.3, 10, 100),
       ('news', 'polarization', 0, '2026-01-01T00:00:00Z', 0.2, 12, 120),
       ('news', 'bimodality', 0, '2026-01-01T00:00:00Z', 0.6, 12, 120),
       ('movies', 'polarization', 0, '2026-01-01T00:00:00Z', 0.9, 5, 50)`,
  );
});

describe('DriftSeriesRepository (PostgreSQL)', () => {
  it("reads one user's points in one domain, by metric then bucket, filtered and limited", async () => {
    expect(await repository.user('u-1', { domain: 'news', limit: 100 })).toEqual([
      { metric: 'exposure-entropy', bucketStart: '2026-01-01T00:00:00.000Z', value: 1.5 },
      { metric: 'miscalibration', bucketStart: '2026-01-01T00:00:00.000Z', value: 0.1 },
      { metric: 'miscalibration', bucketStart: '2026-01-01T01:00:00.000Z', value: 0.2 },
    ]);
    expect((await repository.user('u-1', { domain: 'news', metric: 'miscalibration', from: '2026-01-01T00:30:00.000Z', limit: 100 })).map((p) => p.value)).toEqual([0.2]);
    expect((await repository.user('u-1', { domain: 'news', to: '2026-01-01T01:00:00.000Z', limit: 1 })).map((p) => p.value)).toEqual([1.5]);
  });

  it("reads a domain's population points, by metric, bucket then shard", async () => {
    expect(await repository.population({ domain: 'news', limit: 100 })).toEqual([
      { metric: 'bimodality', shard: 0, bucketStart: '2026-01-01T00:00:00.000Z', value: 0.6, users: 12, events: 120 },
      { metric: 'polarization', shard: 0, bucketStart: '2026-01-01T00:00:00.000Z', value: 0.2, users: 12, events: 120 },
      { metric: 'polarization', shard: 1, bucketStart: '2026-01-01T00:00:00.000Z', value: 0.3, users: 10, events: 100 },
    ]);
    expect((await repository.population({ domain: 'news', metric: 'polarization', to: '2026-01-01T00:00:00.000Z', limit: 100 })).length).toBe(0);
  });
});
