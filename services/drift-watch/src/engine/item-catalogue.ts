/** What drift-watch needs of an item: its domain, category weights (normalised to sum 1) and stance. */
export interface CatalogueItem {
  itemId: string;
  domain: string;
  categories: Readonly<Record<string, number>>;
  stance: number | undefined;
}

/** A domain's categories with stable indices (persisted in drift_category_index), and its catalogue size. */
export class CategoryVocabulary {
  private readonly index = new Map<string, number>();

  constructor(
    readonly domain: string,
    categories: readonly { category: string; idx: number }[],
    /** Items in the domain's catalogue: exposure Gini counts unexposed items as zeros. */
    public itemCount: number,
  ) {
    for (const { category, idx } of categories) this.index.set(category, idx);
  }

  /** G: the dimension of the domain's category mixes (at least 2, the smallest mix with an entropy). */
  get size(): number {
    return Math.max(2, this.index.size);
  }

  has(category: string): boolean {
    return this.index.has(category);
  }

  add(category: string, idx: number): void {
    this.index.set(category, idx);
  }

  /** The item's category weights as a vector over the vocabulary (categories must all be indexed). */
  vector(item: CatalogueItem): Float64Array {
    const out = new Float64Array(this.size);
    for (const [category, weight] of Object.entries(item.categories)) out[this.index.get(category)!] = weight;
    return out;
  }
}

/**
 * The item catalogue as drift-watch sees it: loaded from Postgres the first time an event names an item (one query per
 * batch), kept in memory, evicted when chorus.items.v1 announces a change. Category vectors are cached per item and
 * vocabulary size (they grow when the vocabulary does).
 */
export class ItemCatalogue {
  private readonly items = new Map<string, CatalogueItem>();
  private readonly vectors = new Map<string, Float64Array>();
  /**
   * Items announced as changed: re-read by the next preload, but still served until then. Changes arrive on another
   * consumer, possibly while a batch waits for its preload; deleting the entry would leave that batch without it.
   */
  private readonly stale = new Set<string>();
  readonly vocabularies = new Map<string, CategoryVocabulary>();

  constructor(private readonly capacity = 1_000_000) {}

  get(itemId: string): CatalogueItem | undefined {
    return this.items.get(itemId);
  }

  missing(itemIds: Iterable<string>): string[] {
    return [...new Set(itemIds)].filter((id) => !this.items.has(id) || this.stale.has(id));
  }

  /**
   * Add freshly read items. Beyond capacity the cache starts afresh, keeping only the items named by `inUse` (the batch
   * being prepared): dropping those would leave the batch without items it found cached.
   */
  install(items: readonly CatalogueItem[], inUse: Iterable<string> = []): void {
    if (this.items.size + items.length > this.capacity) {
      const kept: CatalogueItem[] = [];
      for (const id of inUse) {
        const item = this.items.get(id);
        if (item) kept.push(item);
      }
      this.items.clear();
      this.vectors.clear();
      for (const item of kept) this.items.set(item.itemId, item);
    }
    for (const item of items) {
      this.items.set(item.itemId, item);
      this.vectors.delete(item.itemId);
      this.stale.delete(item.itemId);
    }
  }

  evict(itemId: string): void {
    if (this.items.has(itemId)) this.stale.add(itemId);
    // The domain's item count may have changed: reload it with the vocabulary on next use.
    for (const vocabulary of this.vocabularies.values()) vocabulary.itemCount = -1;
  }

  vector(item: CatalogueItem): Float64Array {
    const vocabulary = this.vocabularies.get(item.domain)!;
    let vector = this.vectors.get(item.itemId);
    if (vector === undefined || vector.length !== vocabulary.size) {
      vector = vocabulary.vector(item);
      this.vectors.set(item.itemId, vector);
    }
    return vector;
  }
}
