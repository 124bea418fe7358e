import { z } from 'zod';
import { env } from '../config/load-config';

/** Ten years: a longer period is a typo, not a policy. */
export const MAX_RETENTION_DAYS = 3_650;

/**
 * Parsers of the retention settings, so every service reads them alike. A period is whole days after a row was written
 * (Postgres' clock at the write, never event time); 0 turns retention off for that table, as 0 turns off other
 * periodic work here (RERANK_SCHEDULE_EVERY_SECONDS).
 */
export const retentionEnv = {
  days: (fallback: number) =>
    z
      .string()
      .default(String(fallback))
      .transform((text, ctx) => {
        const value = Number(text);
        // An empty value is refused rather than read as 0: "off" should be written down, not happen by accident.
        if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > MAX_RETENTION_DAYS) {
          ctx.addIssue({ code: 'custom', message: `expected whole days in [0, ${MAX_RETENTION_DAYS}], e.g. "30"; 0 keeps the rows forever` });
          return z.NEVER;
        }
        return value;
      }),
  /**
   * How often a sweep runs. A sweep that finds nothing expired costs one index probe per table, so every 10 minutes is
   * free and bounds how long an expired row outlives its period.
   */
  intervalMs: () => env.int(600_000, { min: 1_000, max: 86_400_000 }),
  /**
   * Rows per delete statement, each its own transaction: about 10–20 ms at 1,000 rows on this machine, so neither row
   * locks nor a long transaction (which would hold back vacuum) build up while a backlog of millions drains.
   */
  batchSize: () => env.int(1_000, { min: 1, max: 100_000 }),
};
