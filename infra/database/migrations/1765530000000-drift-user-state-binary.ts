import type { MigrationInterface, QueryRunner } from 'typeorm';
import { convertColumnInBatches } from '../conversions/convert-column';
import { decodeDriftUserStateV2, encodeDriftUserStateV2, type DriftUserStateV1 } from './frozen/1765530000000-drift-user-state-v2';

/**
 * drift-watch's per-user state as bytes (issue #13): `drift_user_state.state` jsonb (version 1) → bytea (version 2).
 * Every row is converted in place, in batches of keys; the dedupe window's ids become their 53-bit hashes. The
 * encodings are this migration's own frozen copies (frozen/), not the live codec's: it must write the same bytes
 * forever, whatever services/drift-watch/src/engine/user-state.codec.ts becomes. Down converts back to JSON exactly,
 * except that the window's hashes cannot become ids again: they are written as `h:<hex>` (taken back as they were by a
 * later up), so after a downgrade a retry of one of a user's last 64 events is counted again.
 */
export class DriftUserStateBinary1765530000000 implements MigrationInterface {
  name = 'DriftUserStateBinary1765530000000';

  async up(db: QueryRunner): Promise<void> {
    await convertColumnInBatches(db, 'drift_user_state', { column: 'state', keys: ['user_id', 'domain'], type: 'bytea', to: (state: DriftUserStateV1) => encodeDriftUserStateV2(state) });
  }

  async down(db: QueryRunner): Promise<void> {
    await convertColumnInBatches(db, 'drift_user_state', { column: 'state', keys: ['user_id', 'domain'], type: 'jsonb', to: (state: Buffer) => JSON.stringify(decodeDriftUserStateV2(state)) });
  }
}
