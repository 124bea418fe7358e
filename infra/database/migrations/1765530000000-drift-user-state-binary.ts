import { stableHash53 } from '@chorus/random';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredUserDriftStateV1 } from '../../../services/drift-watch/src/engine/user-drift-state';
import { decodeUserState, downgradeUserState, encodeUserState, upgradeUserState } from '../../../services/drift-watch/src/engine/user-state.codec';

/** Rows converted per statement: bounded memory whatever the table's size. */
const BATCH = 1000;

/**
 * drift-watch's per-user state as bytes (issue #13): `drift_user_state.state` jsonb (version 1) → bytea (version 2,
 * services/drift-watch/src/engine/user-state.codec.ts). Every row is converted in place, in batches of keys; the
 * dedupe window's ids become their 53-bit hashes. Down converts back to JSON exactly, except that the window's hashes
 * cannot become ids again: they are written as `h:<hex>` (taken back as they were by a later up), so after a downgrade
 * a retry of one of a user's last 64 events is counted again.
 */
export class DriftUserStateBinary1765530000000 implements MigrationInterface {
  name = 'DriftUserStateBinary1765530000000';

  async up(db: QueryRunner): Promise<void> {
    await convert(db, 'bytea', (state: StoredUserDriftStateV1) => encodeUserState(upgradeUserState(state, stableHash53)));
  }

  async down(db: QueryRunner): Promise<void> {
    await convert(db, 'jsonb', (state: Buffer) => JSON.stringify(downgradeUserState(decodeUserState(state)) satisfies StoredUserDriftStateV1));
  }
}

/** Adds a column of the new type, fills it batch by batch from `state`, and puts it in `state`'s place. */
async function convert<From>(db: QueryRunner, type: 'bytea' | 'jsonb', to: (state: From) => Buffer | string): Promise<void> {
  await db.query(`ALTER TABLE drift_user_state ADD COLUMN converted ${type}`);
  let after: [string, string] | undefined;
  for (;;) {
    const rows: { user_id: string; domain: string; state: From }[] = await db.query(
      `SELECT user_id, domain, state FROM drift_user_state ${after ? 'WHERE (user_id, domain) > ($2, $3)' : ''} ORDER BY user_id, domain LIMIT $1`,
      after ? [BATCH, ...after] : [BATCH],
    );
    if (rows.length === 0) break;
    await db.query(
      `UPDATE drift_user_state s SET converted = t.state
         FROM unnest($1::text[], $2::text[], $3::${type}[]) AS t(user_id, domain, state)
        WHERE s.user_id = t.user_id AND s.domain = t.domain`,
      [rows.map((r) => r.user_id), rows.map((r) => r.domain), rows.map((r) => to(r.state))],
    );
    const last = rows[rows.length - 1]!;
    after = [last.user_id, last.domain];
  }
  await db.query(`ALTER TABLE drift_user_state DROP COLUMN state`);
  await db.query(`ALTER TABLE drift_user_state RENAME COLUMN converted TO state`);
  await db.query(`ALTER TABLE drift_user_state ALTER COLUMN state SET NOT NULL`);
}
