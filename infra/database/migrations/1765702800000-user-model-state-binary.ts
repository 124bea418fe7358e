import type { MigrationInterface, QueryRunner } from 'typeorm';
import { convertColumnInBatches } from '../conversions/convert-column';
import { decodeUserModelStateV2, encodeDedupeWindowV1, encodeUserModelStateV2, type UserModelStateV1 } from './frozen/1765702800000-user-model-state-v2';

/** Rows whose window moves per statement (rows from before recent_event_keys; see below). */
const WINDOW_BATCH = 1000;

/**
 * The learner's per-user state as bytes (issue #13): `user_models.state` jsonb (version 1: `{"weights", "tau2"?,
 * "personas"?, "borrowing"?, "reliability"?, "conditions"?}`) → bytea (version 2), converted in place in batches of
 * keys. The encodings are this migration's own frozen copies (frozen/), not the live codec's: it must write the same
 * bytes forever, whatever libs/scoring/src/user-model-codec.ts becomes. Rows from before the recent_event_keys column still kept their dedupe window in the JSON
 * (`recentEventIds`): it moves to the column first, where the learner reads it. Down writes the same JSON back (the
 * window stays in its column, where the learner of before reads it too): up then down gives every row's JSON as it was,
 * but for `recentEventIds`.
 */
export class UserModelStateBinary1765702800000 implements MigrationInterface {
  name = 'UserModelStateBinary1765702800000';

  async up(db: QueryRunner): Promise<void> {
    await moveWindowsToTheirColumn(db);
    await convertColumnInBatches(db, 'user_models', {
      column: 'state',
      keys: ['user_id', 'domain'],
      type: 'bytea',
      to: ({ weights, tau2, personas, borrowing, reliability, conditions }: UserModelStateV1) =>
        encodeUserModelStateV2({
          weights,
          ...(tau2 !== undefined ? { tau2 } : {}),
          ...(personas !== undefined ? { personas } : {}),
          ...(borrowing !== undefined ? { borrowing } : {}),
          ...(reliability !== undefined ? { reliability } : {}),
          ...(conditions !== undefined ? { conditions } : {}),
        }),
    });
  }

  async down(db: QueryRunner): Promise<void> {
    await convertColumnInBatches(db, 'user_models', { column: 'state', keys: ['user_id', 'domain'], type: 'jsonb', to: (state: Buffer) => JSON.stringify(decodeUserModelStateV2(state)) });
  }
}

async function moveWindowsToTheirColumn(db: QueryRunner): Promise<void> {
  for (;;) {
    const rows: { user_id: string; domain: string; ids: number[] }[] = await db.query(
      `SELECT user_id, domain, state->'recentEventIds' AS ids FROM user_models
        WHERE recent_event_keys IS NULL AND state ? 'recentEventIds' LIMIT $1`,
      [WINDOW_BATCH],
    );
    if (rows.length === 0) return;
    const windows = rows.map((r) => encodeDedupeWindowV1(r.ids));
    await db.query(
      `UPDATE user_models m SET recent_event_keys = decode(t.k, 'hex'), state = m.state - 'recentEventIds'
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t(u, d, k) WHERE m.user_id = t.u AND m.domain = t.d`,
      [rows.map((r) => r.user_id), rows.map((r) => r.domain), windows.map((w) => w.toString('hex'))],
    );
  }
}
