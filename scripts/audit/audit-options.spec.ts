import { describe, expect, it } from 'vitest';
import { parseAuditOptions, UsageError } from './audit-options';

describe('parseAuditOptions', () => {
  it('has defaults for everything, the onset half-way, all four policies in order', () => {
    const options = parseAuditOptions([], '/repo')!;
    expect(options).toMatchObject({ users: 100, items: 300, rounds: 24, seed: 1, onset: 12, listLength: 10, code: true, progress: true, out: '/repo/.chorus/audit' });
    expect(options.policies).toEqual(['aggregate', 'pooled', 'personal', 'calibrated']);
    expect(options).toMatchObject({ driftBucketSeconds: 5, driftCooldownSeconds: 0, repeats: 1 });
  });

  it('takes the population bucket, the alert cooldown and repeats', () => {
    expect(parseAuditOptions(['--drift-bucket-seconds', '12', '--drift-cooldown-seconds', '600', '--repeats', '3'], '/repo')).toMatchObject({
      driftBucketSeconds: 12,
      driftCooldownSeconds: 600,
      repeats: 3,
    });
  });

  it('takes policies by name in the order given, and --onset 0 for a stationary population', () => {
    const options = parseAuditOptions(['--policies', 'personal,aggregate', '--onset', '0', '--no-code', '--rounds', '6', '--out', 'x'], '/repo')!;
    expect(options).toMatchObject({ policies: ['personal', 'aggregate'], onset: 0, code: false, rounds: 6, out: '/repo/x' });
  });

  it('takes the policies added since issue #12 by name, none of them by default', () => {
    expect(parseAuditOptions(['--policies', 'pooled, single-deviation,learned,unweighted,borrowing'], '/repo')!.policies).toEqual([
      'pooled',
      'single-deviation',
      'learned',
      'unweighted',
      'borrowing',
    ]);
  });

  it('answers --help with undefined (the caller prints the usage)', () => {
    expect(parseAuditOptions(['--help'])).toBeUndefined();
  });

  it.each([
    [['--users', 'many'], /--users must be an integer in \[10, 5000\], got "many"/],
    [['--users', ''], /--users must be an integer/],
    [['--rounds', '1'], /--rounds must be an integer in \[2, 200\], got "1"/],
    [['--rounds', '2.5'], /--rounds must be an integer/],
    [['--onset', '30'], /--onset must be an integer in \[0, 24\], got "30"/],
    [['--narrowing-share', '1.5'], /--narrowing-share must be a number in \[0, 1\]/],
    [['--seed=-1'], /--seed must be an integer in \[0, 2147483647\], got "-1"/],
    [['--seed', '-1'], /--seed' argument is ambiguous/],
    [['--items', '40', '--list-length', '30'], /--list-length 30 needs at least 60 --items, got 40/],
    [['--policies', 'pooled,constructor'], /--policies names "constructor", which is not a policy; choose from aggregate, pooled, personal, calibrated, single-deviation, learned, unweighted, borrowing$/],
    [['--policies', 'pooled,pooled'], /names a policy twice/],
    [['--colour'], /Unknown option '--colour'/],
    [['--users'], /argument missing/],
    [['--drift-bucket-seconds', '0'], /--drift-bucket-seconds must be an integer in \[1, 3600\], got "0"/],
    [['--drift-bucket-seconds', '2.5'], /--drift-bucket-seconds must be an integer/],
    [['--drift-cooldown-seconds', 'never'], /--drift-cooldown-seconds must be an integer in \[0, 86400\]/],
    [['--repeats', '11'], /--repeats must be an integer in \[1, 10\], got "11"/],
  ])('refuses %j, saying what was wrong', (argv, message) => {
    expect(() => parseAuditOptions(argv)).toThrow(UsageError);
    expect(() => parseAuditOptions(argv)).toThrow(message);
  });
});
