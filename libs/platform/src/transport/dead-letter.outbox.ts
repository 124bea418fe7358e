import type { DeadLetterV1 } from '@chorus/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The transactional outbox of dead letters, the one dead-letter policy of the offsets-of-record transport: a letter is
 * inserted in the same Postgres transaction as the offsets that pass its message (so it cannot be lost, nor written
 * for a message whose offset is not committed), relayed to the DLQ topic after the commit, and deleted once sent.
 * Rows are per consumer group: each service relays its own. The same transaction adds each letter to its group's count
 * per code (`dead_letter_counts`, which the console's overview reads), so every service on the transport is counted
 * exactly once, and a count outlives the relayed (deleted) letter.
 */
export class DeadLetterOutbox {
  constructor(
    private readonly db: DataSource,
    readonly groupId: string,
  ) {}

  /** Inside the caller's transaction: the letters, in order, and their counts per code. Returns their ids. */
  async insert(tx: EntityManager, letters: readonly DeadLetterV1[]): Promise<string[]> {
    if (letters.length === 0) return [];
    // Codes in order, so that two transactions of one group lock their count rows in the same order (no deadlock).
    await tx.query(
      `INSERT INTO dead_letter_counts (group_id, code, count) SELECT $1, code, count(*) FROM unnest($2::text[]) AS t(code) GROUP BY code ORDER BY code
       ON CONFLICT (group_id, code) DO UPDATE SET count = dead_letter_counts.count + EXCLUDED.count`,
      [this.groupId, letters.map((letter) => letter.code)],
    );
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO dead_letter_outbox (group_id, letter) SELECT $1, l FROM unnest($2::text[]) WITH ORDINALITY AS t(l, n) ORDER BY n RETURNING id`,
      [this.groupId, letters.map((letter) => JSON.stringify(letter))],
    );
    return rows.map((r) => String(r.id));
  }

  /** Letters committed but not yet sent, oldest first. */
  async pending(limit = 1000): Promise<{ id: string; letter: DeadLetterV1 }[]> {
    const rows: { id: string; letter: string }[] = await this.db.query(
      `SELECT id, letter FROM dead_letter_outbox WHERE group_id = $1 ORDER BY id LIMIT $2`,
      [this.groupId, limit],
    );
    return rows.map((r) => ({ id: String(r.id), letter: JSON.parse(r.letter) as DeadLetterV1 }));
  }

  async delete(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.query(`DELETE FROM dead_letter_outbox WHERE id = ANY($1::bigint[])`, [ids]);
  }
}
