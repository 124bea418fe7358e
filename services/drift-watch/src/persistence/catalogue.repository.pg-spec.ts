import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { CatalogueRepository } from './catalogue.repository';

const pg = useMigratedDatabase('drift_catalogue');
let catalogue: CatalogueRepository;
beforeAll(async () => {
  catalogue = new CatalogueRepository(pg.db);
  await pg.db.query(
    `INSERT INTO items (item_id, domain, categories, stance) VALUES
       ('m-1', 'movies', '{"drama":1}', -0.5), ('m-2', 'movies', '{"comedy":0.5,"drama":0.5}', NULL), ('b-1', 'books', '{"poetry":1}', NULL)`,
  );
});

describe('drift-watch CatalogueRepository', () => {
  it('reads the items it finds, stance undefined where there is none', async () => {
    const items = await catalogue.findMany(['m-2', 'm-1', 'gone']);
    expect(items.sort((a, b) => (a.itemId < b.itemId ? -1 : 1))).toEqual([
      { itemId: 'm-1', domain: 'movies', categories: { drama: 1 }, stance: -0.5 },
      { itemId: 'm-2', domain: 'movies', categories: { comedy: 0.5, drama: 0.5 }, stance: undefined },
    ]);
    expect(await catalogue.findMany([])).toEqual([]);
  });

  it('indexes a domain\'s categories in name order from 0, then appends new ones without ever reassigning an index', async () => {
    expect(await catalogue.vocabulary('movies')).toEqual({ categories: [{ category: 'comedy', idx: 0 }, { category: 'drama', idx: 1 }], itemCount: 2 });
    await pg.db.query(`INSERT INTO items (item_id, domain, categories) VALUES ('m-3', 'movies', '{"action":1}')`);
    expect(await catalogue.vocabulary('movies', ['zombie', 'drama'])).toEqual({
      categories: [
        { category: 'comedy', idx: 0 },
        { category: 'drama', idx: 1 },
        { category: 'action', idx: 2 },
        { category: 'zombie', idx: 3 },
      ],
      itemCount: 3,
    });
    expect(await catalogue.vocabulary('books')).toEqual({ categories: [{ category: 'poetry', idx: 0 }], itemCount: 1 });
  });

  it('gives concurrent instances one index per category (the per-domain lock)', async () => {
    const [a, b] = await Promise.all([catalogue.vocabulary('news', ['sport', 'politics']), catalogue.vocabulary('news', ['weather', 'politics'])]);
    const final = await catalogue.vocabulary('news');
    expect(final.categories.map((c) => c.idx)).toEqual([0, 1, 2]);
    expect(final.categories.map((c) => c.category).sort()).toEqual(['politics', 'sport', 'weather']);
    for (const seen of [a, b]) for (const { category, idx } of seen.categories) expect(final.categories).toContainEqual({ category, idx });
  });
});
