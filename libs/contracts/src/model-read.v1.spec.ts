import { describe, expect, it } from 'vitest';
import { httpAnswerSchemas, storedItemV1 } from './http-answers.v1';
import { aggregateQueryV1, itemPriorVarianceV1, poolingStrengthV1, prequentialAucQueryV1, recommendationsQueryV1, userListsQueryV1 } from './model-read.v1';
import { parseWith } from './validation-issue';

const issuesOf = (schema: Parameters<typeof parseWith>[0], input: unknown) => {
  const parsed = parseWith(schema, input);
  return parsed.ok ? [] : parsed.issues;
};

describe('model read queries', () => {
  it('read includeItems and n from query strings, with their defaults', () => {
    expect(aggregateQueryV1.parse({ domain: 'movies' })).toEqual({ domain: 'movies', includeItems: false });
    expect([aggregateQueryV1.parse({ domain: 'movies', includeItems: 'true' }).includeItems, aggregateQueryV1.parse({ domain: 'movies', includeItems: 'false' }).includeItems]).toEqual([true, false]);
    expect(issuesOf(aggregateQueryV1, { domain: 'movies', includeItems: 'yes' })).toEqual([{ path: 'includeItems', message: 'includeItems must be "true" or "false"' }]);
    expect(recommendationsQueryV1.parse({ domain: 'movies' })).toEqual({ domain: 'movies', n: 10 });
    expect([recommendationsQueryV1.parse({ domain: 'movies', n: '200' }).n, userListsQueryV1.parse({ domain: 'movies' }).n]).toEqual([200, undefined]);
    expect([issuesOf(recommendationsQueryV1, { domain: 'movies', n: '0' }), issuesOf(recommendationsQueryV1, { domain: 'movies', n: '201' }), issuesOf(recommendationsQueryV1, { domain: 'movies', n: '1.5' })]).toEqual([
      [{ path: 'n', message: 'n must be ≥ 1' }],
      [{ path: 'n', message: 'n must be ≤ 200' }],
      [{ path: 'n', message: 'n must be an integer from 1 to 200' }],
    ]);
  });
  it('prequential AUC buckets are whole minutes from 1 minute to 1 day, and from before to', () => {
    expect(prequentialAucQueryV1.parse({ domain: 'movies' })).toEqual({ domain: 'movies', bucketSeconds: 60 });
    expect([prequentialAucQueryV1.safeParse({ domain: 'movies', bucketSeconds: '120' }).success, prequentialAucQueryV1.safeParse({ domain: 'movies', bucketSeconds: '86400' }).success]).toEqual([true, true]);
    expect(issuesOf(prequentialAucQueryV1, { domain: 'movies', bucketSeconds: '90' })).toEqual([{ path: 'bucketSeconds', message: 'bucketSeconds must be a whole number of minutes (a multiple of 60)' }]);
    expect(issuesOf(prequentialAucQueryV1, { domain: 'movies', from: '2026-12-07T10:00:01Z', to: '2026-12-07T10:00:00Z' })).toEqual([{ path: 'to', message: 'from must be earlier than to' }]);
  });
});

describe('learned priors in the aggregate model', () => {
  const learned = { source: 'learned', shards: 2, grid: [0.5, 1, 2], logEvidence: [-3, -2, -4], prior: { mode: 1, logSd: 1 } };
  it('a learned τ² or σ²_c is a grid member with one log-evidence per member', () => {
    expect([poolingStrengthV1.safeParse({ ...learned, tau2: 1 }).success, itemPriorVarianceV1.safeParse({ ...learned, variance: 2 }).success, poolingStrengthV1.safeParse({ source: 'fixed', tau2: 0.7 }).success, itemPriorVarianceV1.safeParse({ source: 'fixed', variance: 0.7 }).success]).toEqual([true, true, true, true]);
    expect(issuesOf(poolingStrengthV1, { ...learned, tau2: 1.5 })).toEqual([{ path: '(root)', message: 'a learned τ² must be one of its grid, with one log-evidence per grid member' }]);
    expect(issuesOf(poolingStrengthV1, { ...learned, tau2: 1, logEvidence: [-3, -2] })).toEqual([{ path: '(root)', message: 'a learned τ² must be one of its grid, with one log-evidence per grid member' }]);
    expect(issuesOf(itemPriorVarianceV1, { ...learned, variance: 3 })).toEqual([{ path: '(root)', message: 'a learned σ²_c must be one of its grid, with one log-evidence per grid member' }]);
    expect(issuesOf(itemPriorVarianceV1, { ...learned, variance: 2, logEvidence: [-1] })).toEqual([{ path: '(root)', message: 'a learned σ²_c must be one of its grid, with one log-evidence per grid member' }]);
  });
});

describe('HTTP answer schemas', () => {
  it('are registered under their OpenAPI names', () => {
    expect(httpAnswerSchemas.get(storedItemV1)).toEqual({ id: 'StoredItem' });
  });
});
