import type { ItemV1 } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

export interface StoredItem extends ItemV1 {
  version: number;
  updatedAt: string;
}

/** The item catalogue of record. */
export class ItemsRepository {
  constructor(private readonly db: DataSource) {}

  /** Insert or replace items (categories already normalised); returns each item's new version. */
  async upsert(items: ItemV1[]): Promise<Map<string, number>> {
    const rows: { item_id: string; version: number }[] = await this.db.query(
      `INSERT INTO items (item_id, domain, categories, stance, features, title, updated_at)
       SELECT i, d, c::jsonb, s, f::jsonb, t, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[]) AS x(i, d, c, s, f, t)
       ON CONFLICT (item_id) DO UPDATE SET domain = EXCLUDED.domain, categories = EXCLUDED.categories, stance = EXCLUDED.stance,
         features = EXCLUDED.features, title = EXCLUDED.title, version = items.version + 1, updated_at = now()
       RETURNING item_id, version`,
      [
        items.map((i) => i.itemId),
        items.map((i) => i.domain),
        items.map((i) => JSON.stringify(i.categories)),
        items.map((i) => i.stance ?? null),
        items.map((i) => (i.features ? JSON.stringify(i.features) : null)),
        items.map((i) => i.title ?? null),
      ],
    );
    return new Map(rows.map((r) => [r.item_id, r.version]));
  }

  async find(itemId: string): Promise<StoredItem | undefined> {
    const rows: RawItem[] = await this.db.query(`SELECT * FROM items WHERE item_id = $1`, [itemId]);
    return rows[0] ? toItem(rows[0]) : undefined;
  }
}

interface RawItem {
  item_id: string;
  domain: string;
  categories: Record<string, number>;
  stance: number | null;
  features: number[] | null;
  title: string | null;
  version: number;
  updated_at: Date;
}

function toItem(row: RawItem): StoredItem {
  return {
    itemId: row.item_id,
    domain: row.domain,
    categories: row.categories,
    ...(row.stance === null ? {} : { stance: row.stance }),
    ...(row.features === null ? {} : { features: row.features }),
    ...(row.title === null ? {} : { title: row.title }),
    version: row.version,
    updatedAt: row.updated_at.toISOString(),
  };
}
