import { describe, expect, it } from 'vitest';
import { alertFiltersV1, alertMatchesFilters, createSubscriptionV1, updateSubscriptionV1, type AlertFiltersV1 } from './alert-subscription.v1';
import { parseWith } from './validation-issue';

const alert = { scope: 'user', metric: 'miscalibration', severity: 'critical', domain: 'news', subject: 'u-1' } as const;

describe('alertMatchesFilters', () => {
  it('accepts everything with no filters, or with empty ones', () => {
    expect(alertMatchesFilters({}, alert)).toBe(true);
    expect(alertMatchesFilters({ scopes: [], metrics: [], severities: [], domains: [], subjects: [] }, alert)).toBe(true);
  });

  it.each<[string, AlertFiltersV1, boolean]>([
    ['scope in set', { scopes: ['segment', 'user'] }, true],
    ['scope not in set', { scopes: ['population'] }, false],
    ['metric', { metrics: ['miscalibration'] }, true],
    ['other metric', { metrics: ['exposure-entropy'] }, false],
    ['severity', { severities: ['critical'] }, true],
    ['other severity', { severities: ['warning'] }, false],
    ['domain', { domains: ['movies', 'news'] }, true],
    ['other domain', { domains: ['movies'] }, false],
    ['subject', { subjects: ['u-1'] }, true],
    ['other subject', { subjects: ['u-2'] }, false],
    ['all fields match (AND)', { scopes: ['user'], metrics: ['miscalibration'], severities: ['critical'], domains: ['news'], subjects: ['u-1'] }, true],
    ['one field fails the AND', { scopes: ['user'], metrics: ['miscalibration'], severities: ['warning'], domains: ['news'] }, false],
  ])('%s', (_label, filters, expected) => {
    expect(alertMatchesFilters(filters, alert)).toBe(expected);
  });
});

describe('alertFiltersV1', () => {
  it('drops duplicate values', () => {
    expect(alertFiltersV1.parse({ domains: ['news', 'news', 'movies'] })).toEqual({ domains: ['news', 'movies'] });
  });

  it('names each bad value and unknown field', () => {
    const parsed = parseWith(alertFiltersV1, { scopes: ['user', 'team'], severities: 'critical', metrics: ['nope'], domains: ['Bad Domain'], subjects: [''], colour: [] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path).sort()).toEqual(['(root)', 'domains[0]', 'metrics[0]', 'scopes[1]', 'severities', 'subjects[0]']);
  });

  it('bounds the number of values', () => {
    const parsed = parseWith(alertFiltersV1, { domains: Array.from({ length: 101 }, (_, i) => `d${i}`) });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]!.message).toContain('at most 100');
  });
});

describe('subscription bodies', () => {
  it('defaults filters to "everything" and active to true', () => {
    expect(createSubscriptionV1.parse({ url: 'https://hooks.example.com/x' })).toEqual({ url: 'https://hooks.example.com/x', filters: {}, active: true });
  });

  it('refuses weak or oddly shaped secrets with a message that says what is allowed', () => {
    for (const secret of ['short', 'has spaces in it 0123456789abcdef', 'colon:is:not:allowed:0123456789', 'x'.repeat(257)]) {
      const parsed = parseWith(createSubscriptionV1, { url: 'https://h.example/x', secret });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toEqual(['secret']);
    }
    expect(parseWith(createSubscriptionV1, { url: 'https://h.example/x', secret: 'whsec_0123456789abcdefghijklmn' }).ok).toBe(true);
  });

  it('an update must change something; description may be cleared with null', () => {
    const empty = parseWith(updateSubscriptionV1, {});
    expect(empty.ok).toBe(false);
    expect(parseWith(updateSubscriptionV1, { description: null }).ok).toBe(true);
    expect(parseWith(updateSubscriptionV1, { id: 'x' }).ok).toBe(false);
  });
});
