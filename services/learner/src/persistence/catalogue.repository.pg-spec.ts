import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { CatalogueRepository } from './catalogue.repository';

const pg = useMigratedDatabase('learner_catalogue');

describe('learner CatalogueRepository', () => {
  it('reads the rows of the ids it finds, with null stance and features where the item has none', async () => {
    await pg.db.query(
      `INSERT INTO items (item_id, domain, categories, stance, features) VALUES
         ('m-1', 'movies', '{"drama":1}', 0.5, '[1.5,0]'), ('m-2', 'movies', '{"comedy":2}', NULL, NULL)`,
    );
    const rows = await new CatalogueRepository(pg.db).findMany(['m-2', 'm-1', 'missing']);
    expect(rows.sort((a, b) => (a.itemId < b.itemId ? -1 : 1))).toEqual([
      { itemId: 'm-1', domain: 'movies', categories: { drama: 1 }, stance: 0.5, features: [1.5, 0] },
      { itemId: 'm-2', domain: 'movies', categories: { comedy: 2 }, stance: null, features: null },
    ]);
  });

  it('asks nothing for no ids', async () => {
    expect(await new CatalogueRepository(pg.db).findMany([])).toEqual([]);
  });
});
