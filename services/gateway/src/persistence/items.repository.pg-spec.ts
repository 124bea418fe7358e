import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { ItemsRepository } from './items.repository';

const database = useMigratedDatabase('gateway_items');
let repository: ItemsRepository;

beforeAll(() => {
  repository = new ItemsRepository(database.db);
});

describe('ItemsRepository (PostgreSQL)', () => {
  it('inserts a batch at version 1 and bumps the version of each replaced item', async () => {
    const first = await repository.upsert([
      { itemId: 'a', domain: 'movies', categories: { drama: 0.5, comedy: 0.5 }, stance: -0.25, features: [0.5, -1], title: 'A' },
      { itemId: 'b', domain: 'movies', categories: { drama: 1 } },
    ]);
    expect(Object.fromEntries(first)).toEqual({ a: 1, b: 1 });
    const second = await repository.upsert([{ itemId: 'a', domain: 'news', categories: { politics: 1 } }]);
    expect(Object.fromEntries(second)).toEqual({ a: 2 });
  });

  it('reads an item back with optional fields only when set; a replacement clears what it leaves out', async () => {
    const b = await repository.find('b');
    expect({ ...b, updatedAt: typeof b?.updatedAt }).toEqual({ itemId: 'b', domain: 'movies', categories: { drama: 1 }, version: 1, updatedAt: 'string' });
    const a = await repository.find('a');
    expect([a?.domain, a?.categories, a?.version, 'stance' in a!, 'features' in a!, 'title' in a!]).toEqual(['news', { politics: 1 }, 2, false, false, false]);
    expect(await repository.find('missing')).toBeUndefined();
  });

  it('keeps stance, dense features and title exactly', async () => {
    await repository.upsert([{ itemId: 'c', domain: 'movies', categories: { drama: 1 }, stance: 0.125, features: [1.5, -2.25, 0], title: 'Ünïcødé ✓' }]);
    expect(await repository.find('c')).toMatchObject({ stance: 0.125, features: [1.5, -2.25, 0], title: 'Ünïcødé ✓' });
  });
});
