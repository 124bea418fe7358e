import { ApiKeyRepository } from '@chorus/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { SubscriptionsRepository } from './subscriptions.repository';

const database = useMigratedDatabase('notifier_subscriptions');
let repository: SubscriptionsRepository;
let owner: string;
let stranger: string;

const SUB_1 = '20000000-0000-4000-8000-000000000001';
const SUB_2 = '20000000-0000-4000-8000-000000000002';
const SUB_3 = '20000000-0000-4000-8000-000000000003';

async function stored(id: string): Promise<{ secret: string; previous_secret: string | null; grace_left: number | null }> {
  const [row] = await database.db.query(
    `SELECT secret, previous_secret, round(extract(epoch FROM previous_secret_expires_at - now()))::int AS grace_left FROM alert_subscriptions WHERE id = $1`,
    [id],
  );
  return row;
}

beforeAll(async () => {
  repository = new SubscriptionsRepository(database.db);
  const keys = new ApiKeyRepository(database.db);
  owner = (await keys.create('owner', ['subscriber'])).record.id;
  stranger = (await keys.create('stranger', ['subscriber'])).record.id;
});

describe('SubscriptionsRepository (PostgreSQL)', () => {
  it('creates a subscription and shows it without its secret, filters filled in', async () => {
    const view = await repository.create({ id: SUB_1, ownerKeyId: owner, description: 'ops', url: 'https://example.com/a', secret: 'sealed-1', active: true, filters: { severities: ['critical'] } });
    expect({ ...view, createdAt: typeof view.createdAt, updatedAt: typeof view.updatedAt }).toEqual({
      id: SUB_1,
      description: 'ops',
      url: 'https://example.com/a',
      active: true,
      filters: { scopes: [], metrics: [], severities: ['critical'], domains: [], subjects: [] },
      previousSecretExpiresAt: null,
      createdAt: 'string',
      updatedAt: 'string',
    });
    await repository.create({ id: SUB_2, ownerKeyId: owner, description: null, url: 'https://example.com/b', secret: 'sealed-2', active: false, filters: {} });
    await repository.create({ id: SUB_3, ownerKeyId: stranger, description: null, url: 'https://example.com/c', secret: 'sealed-3', active: true, filters: {} });
  });

  it("every read and write is scoped to the owner: another key's subscription does not exist for you", async () => {
    expect((await repository.list(owner)).map((s) => s.id)).toEqual([SUB_1, SUB_2]);
    expect(await repository.countByOwner(owner)).toBe(2);
    expect(await repository.find(owner, SUB_3)).toBeUndefined();
    expect(await repository.update(owner, SUB_3, { description: 'mine now' })).toBeUndefined();
    expect(await repository.delete(owner, SUB_3)).toBe(false);
    expect((await repository.find(stranger, SUB_3))?.description).toBeNull();
  });

  it('updates only the fields given; filters are replaced as a whole', async () => {
    const updated = await repository.update(owner, SUB_1, { url: 'https://example.com/a2', active: false, filters: { domains: ['news'] } });
    expect([updated?.url, updated?.active, updated?.description, updated?.filters]).toEqual([
      'https://example.com/a2',
      false,
      'ops',
      { scopes: [], metrics: [], severities: [], domains: ['news'], subjects: [] },
    ]);
    expect((await repository.update(owner, SUB_1, { description: null }))?.description).toBeNull();
  });

  it('a new secret keeps the replaced one valid for the grace period; a second rotation replaces it; grace 0 keeps none', async () => {
    const rotated = await repository.update(owner, SUB_1, { secret: { sealed: 'sealed-1b', graceSeconds: 3600 } });
    expect(rotated?.previousSecretExpiresAt).not.toBeNull();
    expect(await stored(SUB_1)).toEqual({ secret: 'sealed-1b', previous_secret: 'sealed-1', grace_left: 3600 });
    await repository.update(owner, SUB_1, { secret: { sealed: 'sealed-1c', graceSeconds: 60 } });
    expect(await stored(SUB_1)).toEqual({ secret: 'sealed-1c', previous_secret: 'sealed-1b', grace_left: 60 });
    const immediate = await repository.update(owner, SUB_1, { secret: { sealed: 'sealed-1d', graceSeconds: 0 } });
    expect(immediate?.previousSecretExpiresAt).toBeNull();
    expect(await stored(SUB_1)).toEqual({ secret: 'sealed-1d', previous_secret: null, grace_left: null });
  });

  it('an expired grace period shows no previous secret', async () => {
    await repository.update(owner, SUB_2, { secret: { sealed: 'sealed-2b', graceSeconds: 3600 } });
    await database.db.query(`UPDATE alert_subscriptions SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [SUB_2]);
    expect((await repository.find(owner, SUB_2))?.previousSecretExpiresAt).toBeNull();
  });

  it('pages sealed secrets by id for re-encryption, and reseals only a value that is unchanged', async () => {
    expect(await repository.sealedSecrets('00000000-0000-0000-0000-000000000000', 2)).toEqual([
      { id: SUB_1, secret: 'sealed-1d', previousSecret: null },
      { id: SUB_2, secret: 'sealed-2b', previousSecret: 'sealed-2' },
    ]);
    expect(await repository.sealedSecrets(SUB_2, 2)).toEqual([{ id: SUB_3, secret: 'sealed-3', previousSecret: null }]);
    expect(await repository.reseal(SUB_2, 'previous_secret', 'sealed-2', 'resealed-2')).toBe(true);
    // A concurrent change won: the value is no longer what was read, so it is left alone.
    expect(await repository.reseal(SUB_2, 'secret', 'sealed-2-as-read-before', 'resealed')).toBe(false);
    expect((await stored(SUB_2)).secret).toBe('sealed-2b');
    expect((await stored(SUB_2)).previous_secret).toBe('resealed-2');
  });

  it("deletes the owner's subscription, once", async () => {
    expect(await repository.delete(owner, SUB_2)).toBe(true);
    expect(await repository.delete(owner, SUB_2)).toBe(false);
    expect(await repository.countByOwner(owner)).toBe(1);
  });
});
