import { Counter, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { ContextLogger } from '../logging/json-logger';
import { deleteExpiredRows, type ExpiredRowsSpec } from './expired-rows';

/** One table's retention, and the rows of other tables that go with its rows. */
export interface RetentionPolicy {
  /** The table whose write time decides; a batch from it shorter than the limit means it has no more expired rows. */
  table: string;
  /** Whole days its rows are kept after they were written; 0 keeps them forever (the policy is skipped). */
  days: number;
  /** Deletes at most `limit` expired rows of `table` (with the rows that go with them); returns rows deleted per table. */
  deleteBatch(days: number, limit: number): Promise<Record<string, number>>;
}

/** The policy of a table whose expired rows are described by a spec (see {@link deleteExpiredRows}). */
export function expiredRowsPolicy(db: DataSource, spec: ExpiredRowsSpec, days: number): RetentionPolicy {
  return { table: spec.table, days, deleteBatch: async (d, limit) => ({ [spec.table]: await deleteExpiredRows(db, spec, d, limit) }) };
}

export interface SweepResult {
  /** Rows deleted per table (tables with none are absent). */
  deleted: Record<string, number>;
  batches: number;
  /** Tables whose sweep failed this time (logged; the next sweep retries them). */
  failed: string[];
}

export interface RetentionSweeperOptions {
  intervalMs: number;
  batchSize: number;
  log: ContextLogger;
  registry: Registry;
  /** The service's counter of deleted rows, labelled by table, e.g. `notifier_retention_deleted_rows_total`. */
  metric: string;
}

/**
 * Deletes the rows a service's tables keep longer than their retention, periodically and in bounded batches: each
 * batch is one short statement, and a sweep takes batch after batch until a table has no expired rows left, so a
 * large backlog drains without a long lock or transaction. Policies run in order (a table whose rows reference
 * another's goes first, so the referenced rows become deletable in the same sweep).
 */
export class RetentionSweeper {
  private readonly deletedRows: Counter<'table'>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<SweepResult>;
  private stopping = false;

  constructor(
    private readonly policies: RetentionPolicy[],
    private readonly options: RetentionSweeperOptions,
  ) {
    this.deletedRows = new Counter({ name: options.metric, help: 'Rows deleted by retention (written longer ago than their table keeps them), per table', labelNames: ['table'], registers: [options.registry] });
  }

  /** Sweeps now (what expired while the service was down goes first), then every `intervalMs`; nothing if all are off. */
  start(): void {
    if (this.policies.every((p) => p.days === 0)) return;
    this.stopping = false;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
  }

  /** Stops the timer and waits for a running sweep to finish its current batch (callers close the database next). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep over every policy that is on. A call while a sweep runs joins it instead of starting a second one. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepAll(): Promise<SweepResult> {
    const started = Date.now();
    const result: SweepResult = { deleted: {}, batches: 0, failed: [] };
    for (const policy of this.policies) {
      if (policy.days === 0) continue;
      try {
        await this.drain(policy, result);
      } catch (error) {
        result.failed.push(policy.table);
        this.options.log.warn('retention sweep of a table failed; the next sweep retries it', { table: policy.table, error: (error as Error).message });
      }
    }
    if (Object.keys(result.deleted).length > 0) {
      this.options.log.info('retention sweep deleted expired rows', { deleted: result.deleted, batches: result.batches, durationMs: Date.now() - started });
    }
    return result;
  }

  private async drain(policy: RetentionPolicy, result: SweepResult): Promise<void> {
    const limit = this.options.batchSize;
    while (!this.stopping) {
      const deleted = await policy.deleteBatch(policy.days, limit);
      result.batches++;
      for (const [table, count] of Object.entries(deleted)) {
        if (count === 0) continue;
        result.deleted[table] = (result.deleted[table] ?? 0) + count;
        // Per batch, not per sweep: a long drain shows its progress.
        this.deletedRows.inc({ table }, count);
      }
      if ((deleted[policy.table] ?? 0) < limit) return;
    }
  }
}
