import { stableHash53 } from '@chorus/random';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredUserDriftStateV1 } from '../../../services/drift-watch/src/engine/user-drift-state';
import { convertColumnInBatches } from '../conversions/convert-column';
import { decodeUserState, downgradeUserState, encodeUserState, upgradeUserState } from '../../../services/drift-watch/src/engine/user-state.codec';

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
    await convertColumnInBatches(db, 'drift_user_state', { column: 'state', keys: ['user_id', 'domain'], type: 'bytea', to: (state: StoredUserDriftStateV1) => encodeUserState(upgradeUserState(state, stableHash53)) });
  }

  async down(db: QueryRunner): Promise<void> {
    await convertColumnInBatches(db, 'drift_user_state', {
      column: 'state',
      keys: ['user_id', 'domain'],
      type: 'jsonb',
      to: (state: Buffer) => JSON.stringify(downgradeUserState(decodeUserState(state)) satisfies StoredUserDriftStateV1),
    });
  }
}
