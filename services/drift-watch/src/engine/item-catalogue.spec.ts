import { describe, expect, it } from 'vitest';
import { ItemCatalogue, type CatalogueItem } from './item-catalogue';

const item = (n: number): CatalogueItem => ({ itemId: `item-${n}`, domain: 'movies', categories: { drama: 1 }, stance: undefined });

describe('ItemCatalogue.install at capacity', () => {
  it('starts afresh but keeps the items the batch in preparation uses', () => {
    const catalogue = new ItemCatalogue(4);
    catalogue.install([item(0), item(1), item(2)]);
    // The batch names item-0 (cached) and item-3, item-4 (just read): 3 + 2 exceeds the capacity of 4.
    catalogue.install([item(3), item(4)], ['item-0', 'item-3', 'item-4', 'item-0']);
    expect(['item-0', 'item-1', 'item-2', 'item-3', 'item-4'].map((id) => catalogue.get(id)?.itemId)).toEqual(['item-0', undefined, undefined, 'item-3', 'item-4']);
  });

  it('below capacity adds without dropping anything', () => {
    const catalogue = new ItemCatalogue(4);
    catalogue.install([item(0), item(1)]);
    catalogue.install([item(2), item(3)], []);
    expect(catalogue.missing(['item-0', 'item-1', 'item-2', 'item-3'])).toEqual([]);
  });
});
