import { describe, expect, it } from 'vitest';
import type { CatalogueRow } from '../persistence/catalogue.repository';
import { ItemCatalogue, type CatalogueRows } from './item-catalogue';

class InMemoryCatalogueRows implements CatalogueRows {
  readonly asked: string[][] = [];
  constructor(private readonly rows: CatalogueRow[]) {}
  async findMany(itemIds: string[]): Promise<CatalogueRow[]> {
    this.asked.push([...itemIds]);
    return this.rows.filter((row) => itemIds.includes(row.itemId));
  }
}

const row = (itemId: string, categories: Record<string, number> = { drama: 1 }, extra: Partial<CatalogueRow> = {}): CatalogueRow => ({
  itemId,
  domain: 'movies',
  categories,
  stance: null,
  features: null,
  ...extra,
});

describe('learner ItemCatalogue', () => {
  it('computes φ once per item (normalised categories, stance, dense features) and the aggregate\'s vector with the item intercept', async () => {
    const catalogue = new ItemCatalogue(new InMemoryCatalogueRows([row('m-1', { drama: 3, comedy: 1, empty: 0 }, { stance: -0.5, features: [0, 2] })]));
    await catalogue.preload(['m-1']);
    const item = catalogue.get('m-1')!;
    expect(item.domain).toBe('movies');
    expect([...item.phi]).toEqual([['bias', 1], ['cat:drama', 0.75], ['cat:comedy', 0.25], ['stance', -0.5], ['dense:1', 2]]);
    expect([...item.aggregateX]).toEqual([['bias', 1], ['cat:drama', 0.75], ['cat:comedy', 0.25], ['stance', -0.5], ['dense:1', 2], ['item:m-1', 1]]);
  });

  it('asks only for ids it does not hold, each once; ids the catalogue does not know stay unknown', async () => {
    const rows = new InMemoryCatalogueRows([row('a'), row('b')]);
    const catalogue = new ItemCatalogue(rows);
    await catalogue.preload(['a', 'a', 'x']);
    await catalogue.preload(['a', 'b']);
    await catalogue.preload(['a', 'b']);
    expect(rows.asked).toEqual([['a', 'x'], ['b']]);
    expect(catalogue.get('x')).toBeUndefined();
  });

  it('forgets an evicted item and reads it again when next named (a catalogue change)', async () => {
    const rows = new InMemoryCatalogueRows([row('a')]);
    const catalogue = new ItemCatalogue(rows);
    await catalogue.preload(['a']);
    catalogue.evict('a');
    expect(catalogue.get('a')).toBeUndefined();
    await catalogue.preload(['a']);
    expect(rows.asked).toEqual([['a'], ['a']]);
    expect(catalogue.get('a')).toBeDefined();
  });

  it('beyond capacity starts afresh but keeps the items in use by the events being prepared', async () => {
    const catalogue = new ItemCatalogue(new InMemoryCatalogueRows([row('a'), row('b'), row('c')]), 2);
    await catalogue.preload(['a', 'b']);
    await catalogue.preload(['c'], ['a', 'not-held']);
    expect(['a', 'b', 'c'].map((id) => catalogue.get(id) !== undefined)).toEqual([true, false, true]);
  });
});
