import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../logging/json-logger';
import { RetentionSweeper, type RetentionPolicy } from './retention-sweeper';

/** A table held in memory: `expired` rows to delete, `limit` at a time; records each batch's (days, limit). */
function table(name: string, expired: number, days = 30, withEach?: string): RetentionPolicy & { calls: [number, number][] } {
  let left = expired;
  const calls: [number, number][] = [];
  return {
    table: name,
    days,
    calls,
    async deleteBatch(d, limit) {
      calls.push([d, limit]);
      const n = Math.min(left, limit);
      left -= n;
      return withEach ? { [name]: n, [withEach]: 2 * n } : { [name]: n };
    },
  };
}

function sweeper(policies: RetentionPolicy[], batchSize = 100) {
  const registry = new Registry();
  const lines: string[] = [];
  const log = new JsonLogger('test', 'info', (line) => lines.push(line)).child('retention');
  const s = new RetentionSweeper(policies, { intervalMs: 60_000, batchSize, log, registry, metric: 'test_retention_deleted_rows_total' });
  const counted = async () => Object.fromEntries((await registry.getSingleMetric('test_retention_deleted_rows_total')!.get()).values.map((v) => [v.labels.table, v.value]));
  return { s, lines, counted };
}

describe('RetentionSweeper', () => {
  it('deletes batch after batch until a batch comes back short, per table, with the rows that go with them', async () => {
    const deliveries = table('deliveries', 250, 90, 'attempts');
    const alerts = table('alerts', 100, 90);
    const { s, counted, lines } = sweeper([deliveries, alerts]);
    const result = await s.sweep();
    expect(deliveries.calls).toEqual([[90, 100], [90, 100], [90, 100]]); // 100, 100, 50
    expect(alerts.calls).toEqual([[90, 100], [90, 100]]); // exactly one batch's worth: the next, empty, batch ends it
    expect(result).toEqual({ deleted: { deliveries: 250, attempts: 500, alerts: 100 }, batches: 5, failed: [] });
    expect(await counted()).toEqual({ deliveries: 250, attempts: 500, alerts: 100 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', message: 'retention sweep deleted expired rows', deleted: { deliveries: 250, attempts: 500, alerts: 100 }, batches: 5 });
  });

  it('skips a table whose retention is 0 and stays quiet when nothing expired', async () => {
    const off = table('kept-forever', 500, 0);
    const empty = table('nothing-old', 0);
    const { s, lines, counted } = sweeper([off, empty]);
    expect(await s.sweep()).toEqual({ deleted: {}, batches: 1, failed: [] });
    expect(off.calls).toEqual([]);
    expect(lines).toEqual([]);
    expect(await counted()).toEqual({});
  });

  it('reports a failing table and still sweeps the others', async () => {
    const broken: RetentionPolicy = { table: 'broken', days: 1, deleteBatch: async () => Promise.reject(new Error('relation "broken" does not exist')) };
    const { s, lines } = sweeper([broken, table('fine', 3)]);
    expect(await s.sweep()).toEqual({ deleted: { fine: 3 }, batches: 1, failed: ['broken'] });
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['retention sweep of a table failed; the next sweep retries it', 'retention sweep deleted expired rows']);
  });

  it('joins a sweep already running instead of starting a second one, and stop() lets the current batch finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;
    const slow: RetentionPolicy = {
      table: 'slow',
      days: 1,
      async deleteBatch(_days, limit) {
        batches++;
        await gate;
        return { slow: limit }; // always a full batch: only stop() ends this drain
      },
    };
    const { s } = sweeper([slow], 10);
    const first = s.sweep();
    expect(s.sweep()).toBe(first);
    const stopped = s.stop();
    release();
    await stopped;
    expect(await first).toEqual({ deleted: { slow: 10 }, batches: 1, failed: [] });
    expect(batches).toBe(1);
  });
});
