import type { QueryRunner } from 'typeorm';

/** Rows converted per statement: bounded memory whatever the table's size. */
const BATCH = 1000;

/**
 * Converts a state column to another type in place, for migrations that change how a state is stored (drift-watch's
 * and the learner's per-user states, jsonb ⇄ bytea): adds a column of the new type, fills it in batches of `BATCH`
 * rows in key order (a keyset scan: each batch is one bounded SELECT and one UPDATE), and puts it in the old one's
 * place. `to` receives each row's state and its other `extra` columns.
 */
export async function convertColumnInBatches<From, Row extends Record<string, unknown> = Record<string, never>>(
  db: QueryRunner,
  table: string,
  options: { column: string; keys: readonly [string, string]; type: 'bytea' | 'jsonb'; extra?: readonly string[]; to: (state: From, row: Row) => Buffer | string },
): Promise<void> {
  const { column, keys, type, extra = [], to } = options;
  const [a, b] = keys;
  await db.query(`ALTER TABLE ${table} ADD COLUMN converted ${type}`);
  let after: [string, string] | undefined;
  for (;;) {
    const rows: ({ k1: string; k2: string; state: From } & Row)[] = await db.query(
      `SELECT ${a} AS k1, ${b} AS k2, ${column} AS state${extra.map((c) => `, ${c}`).join('')} FROM ${table}
        ${after ? `WHERE (${a}, ${b}) > ($2, $3)` : ''} ORDER BY ${a}, ${b} LIMIT $1`,
      after ? [BATCH, ...after] : [BATCH],
    );
    if (rows.length === 0) break;
    await db.query(
      `UPDATE ${table} s SET converted = t.state
         FROM unnest($1::text[], $2::text[], $3::${type}[]) AS t(k1, k2, state)
        WHERE s.${a} = t.k1 AND s.${b} = t.k2`,
      [rows.map((r) => r.k1), rows.map((r) => r.k2), rows.map((r) => to(r.state, r))],
    );
    const last = rows[rows.length - 1]!;
    after = [last.k1, last.k2];
  }
  await db.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
  await db.query(`ALTER TABLE ${table} RENAME COLUMN converted TO ${column}`);
  await db.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET NOT NULL`);
}
