import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrations } from './index';

/**
 * TypeORM orders and records migrations by the timestamp at the end of their name. Parallel branches each took "the
 * next" timestamp and three landed on the same one in one merge: TypeORM would then run them in an order no branch
 * tested, and a database that had run one would skip the others' names only by luck. These checks hold the list to one
 * file per migration, one timestamp per migration, in increasing order.
 */
const timestampOf = (name: string) => Number(/(\d{13})$/.exec(name)?.[1]);

describe('the migration list', () => {
  // TypeORM records an instance's `name` where the class sets one, else the class name.
  const names = migrations.map((Migration) => new Migration().name ?? Migration.name);

  it('names every migration with a 13-digit timestamp at its end', () => {
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(Number.isFinite(timestampOf(name)), name).toBe(true);
  });

  it('gives each migration its own timestamp, strictly increasing in list order', () => {
    const timestamps = names.map(timestampOf);
    expect(new Set(timestamps).size).toBe(timestamps.length);
    for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]!, `${names[i]} after ${names[i - 1]}`).toBeGreaterThan(timestamps[i - 1]!);
  });

  it('lists every migration file of the folder once, under the timestamp of its file name', () => {
    const files = readdirSync(__dirname).filter((file) => /^\d{13}-.+\.ts$/.test(file) && !file.endsWith('.spec.ts'));
    expect(files.map((file) => Number(file.slice(0, 13))).sort()).toEqual(names.map(timestampOf).sort());
  });
});
