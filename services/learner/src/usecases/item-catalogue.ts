import { itemFeatures, withItemIntercept, type SparseVector } from '@chorus/reward';
import type { CatalogueRow } from '../persistence/catalogue.repository';

export interface CatalogueItem {
  domain: string;
  /** φ(i): category weights, stance, dense features and bias — what the user's deviation sees. Computed once per item. */
  phi: SparseVector;
  /** φ(i) plus the item's own intercept — what the aggregate sees. Kept so binary events allocate no vectors. */
  aggregateX: SparseVector;
}

/** The port the catalogue reads items through (CatalogueRepository in production): the rows of the ids found. */
export interface CatalogueRows {
  findMany(itemIds: string[]): Promise<CatalogueRow[]>;
}

/**
 * The learner's view of the catalogue: items are looked up in Postgres the first time an event names them, in one
 * query per batch, then kept in memory. Catalogue changes on chorus.items.v1 evict the stale entry.
 */
export class ItemCatalogue {
  private readonly items = new Map<string, CatalogueItem>();

  constructor(
    private readonly repository: CatalogueRows,
    private readonly capacity = 1_000_000,
  ) {}

  get(itemId: string): CatalogueItem | undefined {
    return this.items.get(itemId);
  }

  evict(itemId: string): void {
    this.items.delete(itemId);
  }

  /**
   * Read the items not in memory (one query). Beyond capacity the cache starts afresh, keeping the items `inUse` names
   * (the events being prepared): dropping those would leave them without items they found cached. `inUse` is only
   * iterated then.
   */
  async preload(itemIds: Iterable<string>, inUse: Iterable<string> = []): Promise<void> {
    const missing = [...new Set(itemIds)].filter((id) => !this.items.has(id));
    if (missing.length === 0) return;
    if (this.items.size + missing.length > this.capacity) {
      const kept: [string, CatalogueItem][] = [];
      for (const id of inUse) {
        const item = this.items.get(id);
        if (item) kept.push([id, item]);
      }
      this.items.clear();
      for (const [id, item] of kept) this.items.set(id, item);
    }
    for (const row of await this.repository.findMany(missing)) {
      const phi = itemFeatures({ categories: row.categories, stance: row.stance ?? undefined, dense: row.features ?? undefined });
      this.items.set(row.itemId, { domain: row.domain, phi, aggregateX: withItemIntercept(phi, row.itemId) });
    }
  }
}
