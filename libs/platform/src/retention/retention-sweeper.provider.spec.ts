import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../logging/json-logger';
import { RetentionSweeper, type RetentionPolicy } from './retention-sweeper';
import { retentionSweeperProvider } from './retention-sweeper.provider';

describe('retentionSweeperProvider', () => {
  it("builds the service's sweeper in Nest: its policies over the module's DataSource, its counter in the module's registry", async () => {
    // No connection is opened: the policy only has to receive the module's DataSource, not query it.
    const db = new DataSource({ type: 'postgres' });
    const registry = new Registry();
    const given: DataSource[] = [];
    const calls: [number, number][] = [];
    const policies = (source: DataSource): RetentionPolicy[] => {
      given.push(source);
      return [{ table: 'old_rows', days: 7, deleteBatch: async (days, limit) => (calls.push([days, limit]), { old_rows: 2 }) }];
    };
    const module = await Test.createTestingModule({
      providers: [
        { provide: DataSource, useValue: db },
        { provide: Registry, useValue: registry },
        retentionSweeperProvider(policies, { intervalMs: 60_000, batchSize: 5, log: new JsonLogger('test', 'error', () => undefined).child('retention'), metric: 'test_retention_deleted_rows_total' }),
      ],
    }).compile();

    const sweeper = module.get(RetentionSweeper);
    expect(sweeper).toBeInstanceOf(RetentionSweeper);
    expect(given).toEqual([db]);
    expect(given[0]).toBe(db);
    expect(await sweeper.sweep()).toEqual({ deleted: { old_rows: 2 }, batches: 1, failed: [] });
    expect(calls).toEqual([[7, 5]]);
    expect((await registry.getSingleMetric('test_retention_deleted_rows_total')!.get()).values.map((v) => [v.labels.table, v.value])).toEqual([['old_rows', 2]]);
  });
});
