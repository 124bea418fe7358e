import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { DriftSegmentRepository } from './drift-segment.repository';

const pg = useMigratedDatabase('drift_segments');
let segments: DriftSegmentRepository;
beforeAll(() => {
  segments = new DriftSegmentRepository(pg.db);
});

/** Writes a segment as the gateway's admin API does: a new change id each time, members replaced. */
async function put(domain: string, name: string, userIds: string[]): Promise<number> {
  const [{ change_id }] = await pg.db.query(
    `INSERT INTO drift_segments (domain, name, members) VALUES ($1, $2, $3)
     ON CONFLICT (domain, name) DO UPDATE SET change_id = nextval('drift_segment_change_seq'), members = EXCLUDED.members
     RETURNING change_id`,
    [domain, name, userIds.length],
  );
  await pg.db.query(`DELETE FROM drift_segment_members WHERE domain = $1 AND name = $2`, [domain, name]);
  await pg.db.query(`INSERT INTO drift_segment_members (domain, name, user_id) SELECT $1, $2, unnest($3::text[])`, [domain, name, userIds]);
  return Number(change_id);
}

describe('DriftSegmentRepository', () => {
  it('reads every segment with its members and change id; members of one segment in user-id order', async () => {
    expect(await segments.stamp()).toBe('0:0');
    expect(await segments.all()).toEqual([]);
    const cohort = await put('movies', 'cohort', ['zed', 'amy', 'kim']);
    const empty = await put('movies', 'empty', []);
    const all = await segments.all();
    expect(all.sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => ({ ...s, userIds: [...s.userIds].sort() }))).toEqual([
      { domain: 'movies', name: 'cohort', changeId: cohort, userIds: ['amy', 'kim', 'zed'] },
      { domain: 'movies', name: 'empty', changeId: empty, userIds: [] },
    ]);
    expect(await segments.members('movies', 'cohort')).toEqual(['amy', 'kim', 'zed']);
    expect(await segments.members('movies', 'empty')).toEqual([]);
    expect(await segments.members('books', 'cohort')).toBeUndefined();
  });

  it('moves its stamp on every create, replace and delete, and is back where it was once the definitions are', async () => {
    const seen = [await segments.stamp()];
    await put('news', 'readers', ['a']);
    seen.push(await segments.stamp());
    await put('news', 'readers', ['a', 'b']);
    seen.push(await segments.stamp());
    await pg.db.query(`DELETE FROM drift_segments WHERE domain = 'news' AND name = 'readers'`);
    seen.push(await segments.stamp());
    expect([seen[1] !== seen[0], seen[2] !== seen[1], seen[3] !== seen[2]]).toEqual([true, true, true]);
    // Deleting the segment restores the definitions loaded at first: no reload needed, and none is asked for.
    expect(seen[3]).toBe(seen[0]);
    expect(await segments.members('news', 'readers')).toBeUndefined();
  });
});
