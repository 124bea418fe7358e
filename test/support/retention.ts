import { JsonLogger, RetentionSweeper, type RetentionPolicy } from '@chorus/platform';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { counterValue } from './reranker';

/**
 * A service's retention policies under a sweeper built as the services build theirs (own registry, so a test reads
 * exactly what its sweeps counted); sweeps run when the test calls them, not on a timer.
 */
export function sweeperOf(policies: RetentionPolicy[], batchSize: number): { sweeper: RetentionSweeper; counted: (table: string) => Promise<number> } {
  const registry = new Registry();
  const metric = 'test_retention_deleted_rows_total';
  const sweeper = new RetentionSweeper(policies, { intervalMs: 3_600_000, batchSize, log: new JsonLogger('retention-test', 'warn').child('retention'), registry, metric });
  return { sweeper, counted: async (table) => counterValue(await registry.metrics(), metric, { table }) };
}

/**
 * Moves the write time of the rows `where` selects `days` into the past, as if they had been written then (the tests'
 * stand-in for waiting). `where` is SQL over the table; its parameters start at $2.
 */
export async function backdate(db: DataSource, table: string, column: string, days: number, where: string, params: unknown[] = []): Promise<void> {
  await db.query(`UPDATE ${table} SET ${column} = now() - make_interval(days => $1) WHERE ${where}`, [days, ...params]);
}
