import { describe, expect, it } from 'vitest';
import { parseFreshnessOptions } from './freshness-options';
import { eventsAt, parseScaleOptions, UsageError } from './scale-options';

describe('parseScaleOptions', () => {
  it('defaults: the four sizes of the issue, 10 events per user (10M at 1M users), at least 200k, 3 partitions', () => {
    const options = parseScaleOptions([], '/repo');
    expect(options).toEqual({ sizes: [2_000, 20_000, 200_000, 1_000_000], eventsPerUser: 10, minEvents: 200_000, partitions: 3, seed: 1, out: '/repo/.chorus/bench', driftOnly: false, learnerOnly: false });
    expect(options.sizes.map((users) => eventsAt(users, options))).toEqual([200_000, 200_000, 2_000_000, 10_000_000]);
  });

  it('takes --learner-only as a switch, and refuses it together with --drift-only', () => {
    expect(parseScaleOptions(['--learner-only'], '/r').learnerOnly).toBe(true);
    expect(() => parseScaleOptions(['--learner-only', '--drift-only'], '/r')).toThrow('--drift-only and --learner-only together measure nothing');
  });

  it('takes --learner-cpu-prof as a directory, resolved, and refuses it with --drift-only (no learner to profile)', () => {
    expect(parseScaleOptions(['--learner-cpu-prof', 'prof'], '/r').learnerCpuProf).toBe('/r/prof');
    expect(parseScaleOptions([], '/r').learnerCpuProf).toBeUndefined();
    expect(() => parseScaleOptions(['--learner-cpu-prof', 'prof', '--drift-only'], '/r')).toThrow('--learner-cpu-prof profiles the learner, which --drift-only does not run');
  });

  it('takes --drift-only as a switch, and refuses a value for it', () => {
    expect(parseScaleOptions(['--drift-only'], '/r').driftOnly).toBe(true);
    expect(() => parseScaleOptions(['--drift-only=yes'], '/r')).toThrow(/drift-only/);
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
    [['--events-per-user', '101'], /--events-per-user: .*<=100/],
    [['--min-events', '-5'], /--min-events/],
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

describe('parseFreshnessOptions', () => {
  it('defaults, and each flag read as a whole number', () => {
    expect(parseFreshnessOptions([])).toEqual({ users: 20_000, calibration: 100_000, seconds: 30, 'probes-per-second': 5, partitions: 3 });
    expect(parseFreshnessOptions(['--seconds', '10', '--users', '2000'])).toMatchObject({ seconds: 10, users: 2_000 });
  });

  it.each([
    [['--seconds', '2'], /--seconds: .*>=5/],
    [['--probes-per-second', '1.5'], /--probes-per-second: a whole number/],
    [['--users', 'many'], /--users/],
    [['--rate', '5'], /Unknown option '--rate'/],
  ])('refuses %j and says why and what it takes', (argv, message) => {
    expect(() => parseFreshnessOptions(argv)).toThrow(message);
    expect(() => parseFreshnessOptions(argv)).toThrow(/usage: npm run bench:freshness/);
  });
});
