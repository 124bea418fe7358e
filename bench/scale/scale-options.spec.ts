import { describe, expect, it } from 'vitest';
import { parseScaleOptions, UsageError } from './scale-options';

describe('parseScaleOptions', () => {
  it('defaults: the four sizes of the issue, 5 events per user, 3 partitions, .chorus/bench', () => {
    expect(parseScaleOptions([], '/repo')).toEqual({ sizes: [2_000, 20_000, 200_000, 1_000_000], eventsPerUser: 5, partitions: 3, seed: 1, out: '/repo/.chorus/bench' });
  });

  it('reads k and M suffixes and plain numbers', () => {
    expect(parseScaleOptions(['--sizes', '2k, 1500,2.5k,1M'], '/r').sizes).toEqual([2_000, 1_500, 2_500, 1_000_000]);
    expect(parseScaleOptions(['--events-per-user', '10', '--partitions', '6', '--seed', '0'], '/r')).toMatchObject({ eventsPerUser: 10, partitions: 6, seed: 0 });
  });

  it.each([
    [['--sizes', '2x'], /--sizes \(item 0\): a size is a number with an optional k or M suffix/],
    [['--sizes', '2k,,20k'], /--sizes \(item 1\)/],
    [['--sizes', '500'], /at least 1k users per size/],
    [['--sizes', '20M'], /at most 10M users per size/],
    [['--sizes', '1.0005k'], /a size must be a whole number of users/],
    [['--events-per-user', '4'], /--events-per-user: .*>=5/],
    [['--events-per-user', 'five'], /--events-per-user/],
    [['--partitions', '0'], /--partitions/],
    [['--seed', '-1'], /--seed/],
    [['--users', '2k'], /Unknown option '--users'/],
    [['--sizes'], /argument missing/],
  ])('refuses %j and says why and what it takes', (argv, message) => {
    const call = () => parseScaleOptions(argv, '/r');
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
    expect(call).toThrow(/usage: npm run bench:scale/);
  });
});
