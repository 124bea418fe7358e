import type { DataSource } from 'typeorm';

export interface CatalogueRow {
  itemId: string;
  domain: string;
  categories: Record<string, number>;
  stance: number | null;
  features: number[] | null;
}

/** Reads the item catalogue the gateway maintains. */
export class CatalogueRepository {
  constructor(private readonly db: DataSource) {}

  async findMany(itemIds: string[]): Promise<CatalogueRow[]> {
    if (itemIds.length === 0) return [];
    const rows: { item_id: string; domain: string; categories: Record<string, number>; stance: number | null; features: number[] | null }[] =
      await this.db.query(`SELECT item_id, domain, categories, stance, features FROM items WHERE item_id = ANY($1::text[])`, [itemIds]);
    return rows.map((r) => ({ itemId: r.item_id, domain: r.domain, categories: r.categories, stance: r.stance, features: r.features }));
  }
}
