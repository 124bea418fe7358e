import { itemFeatures, withItemIntercept, type SparseVector } from '@chorus/reward';
import type { CatalogueRepository } from '../persistence/catalogue.repository';

export interface CatalogueItem {
  domain: string;
  /** φ(i): category weights, stance, dense features and bias — what the user's deviation sees. Computed once per item. */
  phi: SparseVector;
  /** φ(i) plus the item's own intercept — what the aggregate sees. Kept so binary events allocate no vectors. */
  aggregateX: SparseVector;
}

/**
 * The learner's view of the catalogue: items are looked up in Postgres the first time an event names them, in one
 * query per batch, then kept in memory. Catalogue changes on chorus.items.v1 evict the stale entry.
 */
export class ItemCatalogue {
  private readonly items = new Map<string, CatalogueItem>();
  /** Bumped each time the cache starts afresh (a preload beyond capacity). */
  generation = 0;

  constructor(
    private readonly repository: CatalogueRepository,
    private readonly capacity = 1_000_000,
  ) {}

  get(itemId: string): CatalogueItem | undefined {
    return this.items.get(itemId);
  }

  evict(itemId: string): void {
    this.items.delete(itemId);
  }

  async preload(itemIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(itemIds)].filter((id) => !this.items.has(id));
    if (missing.length === 0) return;
    if (this.items.size + missing.length > this.capacity) {
      this.items.clear();
      this.generation++;
    }
    for (const row of await this.repository.findMany(missing)) {
      const phi = itemFeatures({ categories: row.categories, stance: row.stance ?? undefined, dense: row.features ?? undefined });
      this.items.set(row.itemId, { domain: row.domain, phi, aggregateX: withItemIntercept(phi, row.itemId) });
    }
  }
}
