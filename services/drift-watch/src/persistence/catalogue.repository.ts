import type { DataSource } from 'typeorm';
import type { CatalogueItem } from '../engine/item-catalogue';

/** Reads the item catalogue the gateway maintains, and keeps drift-watch's stable category index per domain. */
export class CatalogueRepository {
  constructor(private readonly db: DataSource) {}

  async findMany(itemIds: string[]): Promise<CatalogueItem[]> {
    if (itemIds.length === 0) return [];
    const rows: { item_id: string; domain: string; categories: Record<string, number>; stance: number | null }[] = await this.db.query(
      `SELECT item_id, domain, categories, stance FROM items WHERE item_id = ANY($1::text[])`,
      [itemIds],
    );
    return rows.map((r) => ({ itemId: r.item_id, domain: r.domain, categories: r.categories, stance: r.stance ?? undefined }));
  }

  /**
   * The domain's category index and catalogue size. Categories of the catalogue that have no index yet get the next
   * free ones (under a per-domain advisory lock, so concurrent instances agree); an index is never reassigned.
   */
  async vocabulary(domain: string, extra: readonly string[] = []): Promise<{ categories: { category: string; idx: number }[]; itemCount: number }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('drift_category_index:' || $1, 0))`, [domain]);
      await tx.query(
        `INSERT INTO drift_category_index (domain, category, idx)
         SELECT $1, c, (SELECT coalesce(max(idx) + 1, 0) FROM drift_category_index WHERE domain = $1) + row_number() OVER (ORDER BY c) - 1
           FROM (SELECT DISTINCT c FROM (
                   SELECT jsonb_object_keys(categories) AS c FROM items WHERE domain = $1
                   UNION SELECT unnest($2::text[])) AS known
                 WHERE c NOT IN (SELECT category FROM drift_category_index WHERE domain = $1)) AS fresh`,
        [domain, [...extra]],
      );
      const categories: { category: string; idx: number }[] = await tx.query(`SELECT category, idx FROM drift_category_index WHERE domain = $1 ORDER BY idx`, [domain]);
      const [{ n }]: { n: number }[] = await tx.query(`SELECT count(*)::int AS n FROM items WHERE domain = $1`, [domain]);
      return { categories, itemCount: n };
    });
  }
}
