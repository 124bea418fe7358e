import { describe, expect, it } from 'vitest';
import { PopulationShard } from './population-shard';

const POOL = 20;
const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
const newShard = () => new PopulationShard('movies', 0, 1.3, POOL);
const panelIds = (shard: PopulationShard) => shard.panel.map(([, id]) => id);

describe('PopulationShard panel pool', () => {
  it('holds a user once however often the user is offered', () => {
    const shard = newShard();
    for (let i = 0; i < 5; i++) shard.offerToPanel('user-7');
    expect(panelIds(shard)).toEqual(['user-7']);
  });

  it('is the same bottom-k sample of distinct users for any arrival order, repeats included', () => {
    const reference = newShard();
    for (const user of users) reference.offerToPanel(user);
    expect(reference.panel).toHaveLength(POOL);
    expect(new Set(panelIds(reference)).size).toBe(POOL);
    const hashes = reference.panel.map(([hash]) => hash);
    expect(hashes).toEqual([...hashes].sort((a, b) => a - b));

    // Every user offered two or three times (a user at the gate is offered again by later observations), in orders
    // that differ: forwards, backwards, and strided (7 and 60 are coprime, so i·7 mod 60 visits every user).
    const orders = [users, [...users].reverse(), users.map((_, i) => users[(i * 7) % users.length]!)];
    for (const [round, order] of orders.entries()) {
      const shard = newShard();
      const arrivals = [...order, ...[...order].reverse(), ...order.filter((_, i) => (i + round) % 2 === 0)];
      for (const user of arrivals) shard.offerToPanel(user);
      expect(shard.panel).toEqual(reference.panel);
    }
  });

  it('draws a bucket panel from distinct users even when a stored pool repeats one', () => {
    const shard = newShard();
    for (const user of users.slice(0, 20)) shard.offerToPanel(user);
    // A pool as stored before repeats were refused: 20 entries, 19 distinct users.
    shard.panel = [...shard.panel.slice(0, 19), shard.panel[18]!];
    const bucket = shard.bucket(3_600_000, 100, 190);
    const pairs = bucket.homogenization!.toJSON().pairs;
    expect(pairs).toHaveLength((19 * 18) / 2);
    expect(new Set(pairs.map(([a, b]) => `${a}|${b}`)).size).toBe(pairs.length);
  });
});

describe('PopulationShard segment state', () => {
  it('keeps a segment named "__proto__" (or "constructor") through a store and restore, as any other name', () => {
    const shard = newShard();
    for (const name of ['__proto__', 'constructor', 'plain']) shard.segmentWatch(name, 7);
    const stored = JSON.parse(JSON.stringify(shard.toJSON()));
    expect(Object.keys(stored.segments).sort()).toEqual(['__proto__', 'constructor', 'plain']);
    const restored = PopulationShard.restore('movies', 0, POOL, stored);
    // Stored watches of the same definition are revived (changeId 7), and the three round-trip again unchanged.
    for (const name of ['__proto__', 'constructor', 'plain']) expect(restored.segmentWatch(name, 7).changeId).toBe(7);
    expect(JSON.parse(JSON.stringify(restored.toJSON())).segments).toEqual(stored.segments);
  });
});
